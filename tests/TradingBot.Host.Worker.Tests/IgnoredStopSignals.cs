using TradingBot.Host.Worker.Composition;

namespace TradingBot.Host.Worker.Tests;

/// <summary>
/// A worker started the way a script starts a background job (<c>dotnet ... &amp;</c> in a non-interactive shell) inherits
/// SIGINT ignored, and a SIGINT then never reaches it: the long benchmark run that sent one saw the worker trade on until
/// it was killed. The worker says so at start, and SIGTERM still stops it cleanly.
/// </summary>
[TestFixture]
public sealed class IgnoredStopSignals
{
    [TestCase("SigIgn:\t0000000000001006", true)] // a non-interactive shell's background job: SIGINT, SIGQUIT, SIGPIPE
    [TestCase("SigIgn:\t0000000000000002", true)]
    [TestCase("SigIgn:\t0000000000001000", false)] // SIGPIPE only, as the runtime itself sets
    [TestCase("SigIgn:\t0000000000000004", false)] // SIGQUIT only
    [TestCase("SigIgn:\tnot hex", false)]
    public void Whether_SIGINT_is_ignored_is_read_from_the_status_mask(string line, bool ignored)
    {
        string[] status = ["Name:\tdotnet", "SigBlk:\t0000000000000002", line, "SigCgt:\t00000003000244f8"];

        Assert.That(StopSignals.InterruptIgnored(status), Is.EqualTo(ignored));
    }

    [Test]
    public void Without_a_mask_nothing_is_reported() => Assert.That(StopSignals.InterruptIgnored(["Name:\tdotnet", "SigBlk:\t0000000000000002"]), Is.False);

    [Test]
    public async Task Started_with_SIGINT_ignored_the_worker_says_so_trades_on_through_a_SIGINT_and_stops_on_SIGTERM()
    {
        var folder = Directory.CreateTempSubdirectory("tradingbot-signals-").FullName;
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["Exchange__Paper__Speed"] = "3000",
                ["Worker__PollInterval"] = "00:00:00.300",
            };
            // As sh does for a background job: SIGINT ignored, then the worker exec'd (same process) with that disposition.
            var start = WorkerProcess.StartInfo(folder, environment, "run");
            string[] shell = ["-c", "trap '' INT; exec \"$@\"", "sh", start.FileName];
            for (var i = 0; i < shell.Length; i++)
            {
                start.ArgumentList.Insert(i, shell[i]);
            }

            start.FileName = "sh";

            using var worker = RunningWorker.Start(start);
            await worker.WaitForOutputAsync("Cycle:", TimeSpan.FromSeconds(90));
            worker.Signal("INT");

            // A state, not a duration: two more cycles after the SIGINT, and no stop begun.
            await worker.WaitForCountAsync("Cycle:", worker.Count("Cycle:") + 2, TimeSpan.FromSeconds(90));
            var beforeTerm = worker.Output;
            var exitCode = await worker.StopAsync(TimeSpan.FromSeconds(60));

            using (Assert.EnterMultipleScope())
            {
                Assert.That(beforeTerm, Does.Contain("This process ignores SIGINT, inherited from what started it").And.Contain("Stop it with SIGTERM"));
                Assert.That(beforeTerm, Does.Not.Contain("Application is shutting down"), "the SIGINT did not reach the host");
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
