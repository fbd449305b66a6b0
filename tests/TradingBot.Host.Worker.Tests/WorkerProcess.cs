using System.Diagnostics;
using System.Text;

namespace TradingBot.Host.Worker.Tests;

/// <summary>Runs the built worker as a real process, with its own working folder and environment.</summary>
public sealed class WorkerProcess
{
    // The worker's own build output (this test project's copy of it would run with the test project's
    // dependency set, which differs: e.g. ASP.NET's shared framework replaces some package assemblies).
    private static readonly string WorkerDll = FindWorkerDll();

    public sealed record Result(int ExitCode, string Output, string Error);

    private static string FindWorkerDll()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;                  // net10.0
        var configuration = testOutput.Parent!.Name;      // Debug or Release
        var directory = testOutput;
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "TradingBot.sln")))
        {
            directory = directory.Parent;
        }

        var dll = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("TradingBot.sln not found above the tests"), "Host.Worker", "bin", configuration, framework, "TradingBot.Host.Worker.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("the worker is not built", dll);
    }

    /// <summary>The worker's own appsettings.json.</summary>
    public static string WorkerSettings => Path.Combine(Path.GetDirectoryName(WorkerDll)!, "appsettings.json");

    public static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["Logging__Console__FormatterName"] = "simple";

        // The working folder is the worker's content root too, as a deployed folder would be: appsettings.json beside
        // the ledger's data/ folder. A test that wants them apart says DOTNET_CONTENTROOT itself.
        if (!environment.ContainsKey("DOTNET_CONTENTROOT"))
        {
            var settings = Path.Combine(workingDirectory, "appsettings.json");
            if (!File.Exists(settings))
            {
                File.Copy(Path.Combine(Path.GetDirectoryName(WorkerDll)!, "appsettings.json"), settings);
            }

            start.Environment["DOTNET_CONTENTROOT"] = workingDirectory;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    public static async Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] arguments)
    {
        var start = StartInfo(workingDirectory, environment, arguments);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the worker");
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (error) { error.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the worker did not exit within {timeout}: {output}{error}");
        }

        process.WaitForExit();
        return new Result(process.ExitCode, output.ToString(), error.ToString());
    }
}
