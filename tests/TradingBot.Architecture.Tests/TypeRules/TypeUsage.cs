namespace TradingBot.Architecture.Tests.TypeRules;

/// <summary>
/// One use of a type (or an IL floating-point constant) by a type of a scanned assembly: where it is (the declaring
/// type and member, compiler-generated closures and state machines counted as the member they came from), how it is
/// used, and what is used (its full name, namespace and the assembly that defines it).
/// </summary>
/// <param name="Type">The using type's full name (nested types as <c>Outer+Inner</c>).</param>
/// <param name="Member">The member of <paramref name="Type"/> that holds the use; empty for the type's own header.</param>
/// <param name="How">How it is used: "field", "local", "return", "call to X.M (parameter)", "IL constant", ...</param>
/// <param name="Used">The used type's full name, or the constant's type and value.</param>
/// <param name="Namespace">The used type's namespace (an outer type's for a nested one).</param>
/// <param name="Assembly">The name of the assembly that holds the used type.</param>
public sealed record TypeUsage(string Type, string Member, string How, string Used, string Namespace, string Assembly)
{
    /// <summary>Where the use is: <c>Type.Member</c>, or the type alone for its header.</summary>
    public string Where => Member.Length == 0 ? Type : $"{Type}.{Member}";

    /// <inheritdoc />
    public override string ToString() => $"{Where} uses {Used} ({How})";
}
