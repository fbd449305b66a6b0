namespace TradingBot.Architecture.Tests.TypeRules;

/// <summary>A member that may use floating point, and why what it computes is not money.</summary>
/// <param name="Type">The type's full name (nested types as <c>Outer+Inner</c>).</param>
/// <param name="Member">The member, as <see cref="TypeUsage.Member"/> names it (a lambda or async method counts as the member it is in).</param>
/// <param name="Reason">Why it is not money and cannot be an integer.</param>
public sealed record FloatingPointAllowance(string Type, string Member, string Reason)
{
    /// <summary>Whether <paramref name="usage"/> is in the allowed member.</summary>
    public bool Covers(TypeUsage usage) =>
        usage is not null && string.Equals(usage.Type, Type, StringComparison.Ordinal) && string.Equals(usage.Member, Member, StringComparison.Ordinal);
}
