namespace TradingBot.Architecture.Tests.Violations;

/// <summary>Breaks the inner layers' rule only inside a lambda: System.Net.Http.HttpClient.</summary>
public static class HttpClientInLambda
{
    /// <summary>Fetches a page.</summary>
    public static Func<Uri, Task<string>> Fetcher() => uri => new HttpClient().GetStringAsync(uri);
}
