using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TradingBot.Host.Worker.Tests;

/// <summary>One request a <see cref="LocalWebhook"/> received.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A webhook on 127.0.0.1 that records every request and answers <see cref="Status"/>.</summary>
public sealed class LocalWebhook : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly Task _serving;

    public LocalWebhook()
    {
        Port = LocalHttp.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The address to give the worker, under <paramref name="path"/>.</summary>
    public string Url(string path = "") => $"http://127.0.0.1:{Port}/{path}";

    /// <summary>What the webhook answers.</summary>
    public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    /// <summary>Waits until a request matches; fails with what was received when none does in time.</summary>
    public async Task<ReceivedRequest> WaitForAsync(Func<ReceivedRequest, bool> match, TimeSpan timeout, Func<string> context)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_received.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"no matching request within {timeout}; received:\n{string.Join("\n", _received.Select(r => $"{r.Method} {r.Path} {r.Body}"))}\n{context()}");
            }

            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under the pending GetContextAsync.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k] ?? string.Empty, StringComparer.OrdinalIgnoreCase);
            _received.Enqueue(new ReceivedRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, headers, body));
            context.Response.StatusCode = (int)Status;
            context.Response.Close();
        }
    }
}

/// <summary>Loopback HTTP for the process-level tests.</summary>
public static class LocalHttp
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A port free on 127.0.0.1 now.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>GET <paramref name="url"/>: its status and body, or (0, the problem) when nothing answers.</summary>
    public static async Task<(int Status, string Body)> GetAsync(string url)
    {
        try
        {
            using var response = await Client.GetAsync(url);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException exception)
        {
            return (0, exception.Message);
        }
    }

    /// <summary>Waits until GET <paramref name="url"/> answers as <paramref name="match"/> wants; fails with the last answer when it does not in time.</summary>
    public static async Task<(int Status, string Body)> WaitForAsync(string url, Func<int, string, bool> match, TimeSpan timeout, Func<string> context)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (status, body) = await GetAsync(url);
            if (match(status, body))
            {
                return (status, body);
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"GET {url} did not answer as expected within {timeout}; last: {status} {body}\n{context()}");
            }

            await Task.Delay(100);
        }
    }
}
