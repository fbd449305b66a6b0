namespace TradingBot.Domain;

/// <summary>The rule shared by exchange, symbol and asset names: upper-case ASCII letters and digits, bounded length.</summary>
internal static class Identifier
{
    public static bool IsValid(string? value, int maxLength, string what, out string error)
    {
        if (string.IsNullOrEmpty(value))
        {
            error = $"a {what} name is required but it is empty";
            return false;
        }

        if (value.Length > maxLength)
        {
            error = $"{what} '{value}' is longer than {maxLength} characters";
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= '0' and <= '9')))
            {
                error = $"{what} '{value}' may contain only upper-case letters A-Z and digits 0-9";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    public static string Require(string? value, int maxLength, string what) =>
        IsValid(value, maxLength, what, out var error) ? value! : throw new ArgumentException(error, what);
}
