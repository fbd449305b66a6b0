using TradingBot.Host.Worker.Composition;

namespace TradingBot.Host.Worker.Tests;

/// <summary>
/// A worker started the way a script starts a background job (<c>nohup dotnet ... &amp;</c>) inherits SIGINT ignored, and a
/// SIGINT then never reaches it: the long benchmark run that sent one saw the worker trade on until it was killed. The
/// worker says so at start, and SIGTERM still stops it cleanly.
/// </summary>
[TestFixture]
public sealed class IgnoredStopSignals
{
    [TestCase("SigIgn:\t0000000000001006", "SIGINT")] // a background job of a non-interactive shell: SIGINT, SIGQUIT, SIGPIPE
    [TestCase("SigIgn:\t0000000000005006", "SIGINT", "SIGTERM")]
    [TestCase("SigIgn:\t0000000000004000", "SIGTERM")]
    [TestCase("SigIgn:\t0000000000001000")] // SIGPIPE only, as the runtime itself sets
    [TestCase("SigIgn:\tnot hex")]
    public void The_ignored_stop_signals_are_read_from_the_status_mask(string line, params string[] expected)
    {
        string[] status = ["Name:\tdotnet", "SigBlk:\t0000000000000000", line, "SigCgt:\t00000003000244f8"];

        Assert.That(StopSignals.Ignored(status), Is.EqualTo(expected));
    }

    [Test]
    public void Without_a_mask_nothing_is_reported() => Assert.That(StopSignals.Ignored(["Name:\tdotnet"]), Is.Empty);

    [Test]
    public async Task Started_with_SIGINT_ignored_the_worker_warns_that_SIGINT_will_not_stop_it_and_SIGTERM_does()
    {
        var folder = Directory.CreateTempSubdirectory("tradingbot-signals-").FullName;
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["Exchange__Paper__Speed"] = "3000",
                ["Worker__PollInterval"] = "00:00:00.300",
            };
            // As sh does for a background job: SIGINT ignored, then the worker exec'd with that disposition.
            var start = WorkerProcess.StartInfo(folder, environment, "run");
            var command = new List<string> { "-c", "trap '' INT; exec \"$@\"", "sh", start.FileName };
            command.AddRange(start.ArgumentList);
            start.FileName = "sh";
            start.ArgumentList.Clear();
            foreach (var argument in command)
            {
                start.ArgumentList.Add(argument);
            }

            using var worker = RunningWorker.Start(start);
            await worker.WaitForOutputAsync("Cycle:", TimeSpan.FromSeconds(90));
            var exitCode = await worker.StopAsync(TimeSpan.FromSeconds(60));

            using (Assert.EnterMultipleScope())
            {
                Assert.That(worker.Output, Does.Contain("This process ignores SIGINT, inherited from what started it").And.Contain("stop it with SIGTERM"));
                Assert.That(exitCode, Is.Zero, worker.Output);
                Assert.That(worker.Output, Does.Contain("Stopping: the step in progress is finished"));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
