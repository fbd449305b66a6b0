using System.Diagnostics;
using System.Text;

namespace TradingBot.Host.Worker.Tests;

/// <summary>A worker process running in the background: its output can be watched, and it can be stopped with SIGTERM or killed with SIGKILL.</summary>
public sealed class RunningWorker : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RunningWorker(Process process)
    {
        _process = process;
    }

    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static RunningWorker Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        Start(WorkerProcess.StartInfo(workingDirectory, environment, arguments));

    /// <summary>Starts the worker as <paramref name="start"/> says (for a test that starts it through a shell).</summary>
    public static RunningWorker Start(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the worker");
        var worker = new RunningWorker(process);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails with the output when it does not in time.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                Assert.Fail($"the worker did not print '{text}' within {timeout} (exited: {_process.HasExited}):\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>How many times the output holds <paramref name="text"/>.</summary>
    public int Count(string text)
    {
        var output = Output;
        var count = 0;
        for (var at = output.IndexOf(text, StringComparison.Ordinal); at >= 0; at = output.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Waits until the output holds <paramref name="text"/> at least <paramref name="times"/> times; fails with the output when it does not in time.</summary>
    public async Task WaitForCountAsync(string text, int times, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Count(text) < times)
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                Assert.Fail($"the worker did not print '{text}' {times} times within {timeout} (exited: {_process.HasExited}):\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as systemd or Ctrl+C would; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Signal("TERM");
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies wherever it is.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            Signal("KILL");
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Sends a signal by name (INT, TERM, KILL) with kill(1).</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill.WaitForExit();
    }
}
