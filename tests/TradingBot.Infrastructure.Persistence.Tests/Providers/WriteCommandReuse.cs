using TradingBot.Application.Orders;
using TradingBot.Domain.Amounts;
using TradingBot.Infrastructure.Persistence.Tests.Contract;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>Adapter internals: a write command is made once per shape and reused, never after a failed or rewritten run.</summary>
public abstract class WriteCommandReuse : DatabaseContract
{
    [Test]
    public async Task A_write_command_is_made_once_per_shape_and_every_run_of_it_passes_the_interceptors()
    {
        // Two fills in: the next ones are the steady state (no read; the same tables and columns each time).
        var order = await OrderWithTwoFillsAsync("kept-1");
        var recordFill = NewRecordFill();
        Db.Traffic.Clear();
        await recordFill.ExecuteAsync(FillOf(order, "k-3", "102", "0.1"), CancellationToken.None);
        await recordFill.ExecuteAsync(FillOf(order, "k-4", "103", "0.1"), CancellationToken.None);
        var (commands, created) = (Db.Traffic.Commands, Db.Traffic.CommandsCreated);

        var stored = await Read((s, ct) => s.Orders.FindByIdAsync(order.Id, ct));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(commands.Count(c => System.Text.RegularExpressions.Regex.IsMatch(c, "INSERT INTO \"?fills\"? ")), Is.EqualTo(2), "each run is seen by the interceptors: " + string.Join("\n---\n", commands));
            Assert.That(created, Is.Zero, "the write command of that shape was made once, before, and bound anew for these two fills");
            Assert.That(stored!.FilledQuantity, Is.EqualTo(Quantity.Parse("0.7")), "each run wrote its own values");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills WHERE exchange_fill_id IN ('k-3', 'k-4') AND price_quote IN (10200000000, 10300000000)"), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task A_write_command_whose_run_failed_is_not_reused()
    {
        var order = await OrderWithTwoFillsAsync("kept-2");
        var recordFill = NewRecordFill();
        Db.Faults.RejectCommandsNaming("audit_log");
        Assert.CatchAsync(() => recordFill.ExecuteAsync(FillOf(order, "r-3", "100", "0.1"), CancellationToken.None));
        Db.Faults.Clear();

        var next = await recordFill.ExecuteAsync(FillOf(order, "r-4", "100", "0.1"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(next.Status, Is.EqualTo(RecordFillStatus.Recorded), "the next fill of that shape runs on a fresh command");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(3));
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills WHERE exchange_fill_id = 'r-4'"), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task A_write_command_an_interceptor_rewrote_runs_rewritten_once_then_its_own_sql_again()
    {
        var order = await OrderWithTwoFillsAsync("kept-3");
        var recordFill = NewRecordFill();
        Db.Faults.MarkCommands("rewritten");
        Db.Traffic.Clear();
        await recordFill.ExecuteAsync(FillOf(order, "w-3", "100", "0.1"), CancellationToken.None);
        var rewritten = Db.Traffic.Commands;
        Db.Faults.Clear();
        Db.Traffic.Clear();

        await recordFill.ExecuteAsync(FillOf(order, "w-4", "100", "0.1"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rewritten, Has.Count.EqualTo(1).And.All.StartWith("/* rewritten */"));
            Assert.That(Db.Traffic.Commands, Has.Count.EqualTo(1).And.None.Contain("rewritten"), "the kept command of that shape was not the rewritten one");
            Assert.That(await Db.ScalarAsync("SELECT COUNT(*) FROM fills"), Is.EqualTo(4));
        }
    }
}
