using System.Net;
using Microsoft.Extensions.Time.Testing;
using TradingBot.Infrastructure.Exchanges.Binance;

namespace TradingBot.Infrastructure.Exchanges.Tests.Binance;

/// <summary>The adapter stays inside Binance's request-weight limit and honours Retry-After before it sends anything.</summary>
[TestFixture]
public sealed class BinanceRateGateTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 7, 0, 10, TimeSpan.Zero);

    private static (BinanceRateGate Gate, FakeTimeProvider Time) Create(TimeSpan? maxWait = null)
    {
        var time = new FakeTimeProvider(Start);
        var options = new BinanceOptions { MaxRateLimitWait = maxWait ?? TimeSpan.FromMinutes(1) };
        return (new BinanceRateGate(options, new BinanceServerClock(time), time), time);
    }

    private static HttpResponseMessage Response(HttpStatusCode status, int? usedWeight = null, int? retryAfterSeconds = null)
    {
        var response = new HttpResponseMessage(status);
        if (usedWeight is { } weight)
        {
            response.Headers.TryAddWithoutValidation("X-MBX-USED-WEIGHT-1M", weight.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }

        return response;
    }

    [Test]
    public async Task Below_ninety_percent_of_the_weight_limit_a_request_goes_at_once()
    {
        var (gate, _) = Create();
        using var response = Response(HttpStatusCode.OK, usedWeight: 2000);
        gate.Observe(response);

        var turn = gate.WaitTurnAsync(5, CancellationToken.None);

        Assert.That(turn.IsCompleted, Is.True);
        await turn;
    }

    [Test]
    public async Task Near_the_weight_limit_a_request_waits_for_the_next_minute()
    {
        var (gate, time) = Create();
        using var response = Response(HttpStatusCode.OK, usedWeight: 2200);
        gate.Observe(response);

        var turn = gate.WaitTurnAsync(5, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(49));
        var waitingBeforeTheMinuteEnds = !turn.IsCompleted;
        time.Advance(TimeSpan.FromSeconds(2));
        await turn;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(waitingBeforeTheMinuteEnds, Is.True);
            Assert.That(gate.UsedWeight, Is.Zero, "a new minute starts with no weight used");
        }
    }

    [Test]
    public async Task An_order_which_carries_no_ip_weight_is_not_held_back_by_the_weight_limit()
    {
        var (gate, _) = Create();
        using var response = Response(HttpStatusCode.OK, usedWeight: 2399);
        gate.Observe(response);

        var turn = gate.WaitTurnAsync(0, CancellationToken.None);

        Assert.That(turn.IsCompleted, Is.True);
        await turn;
    }

    [Test]
    public void The_limit_published_by_exchange_info_replaces_the_configured_one()
    {
        var (gate, _) = Create();

        gate.SetWeightLimit(6000);

        Assert.That(gate.WeightLimit, Is.EqualTo(6000));
    }

    [Test]
    public async Task After_a_429_every_request_waits_for_its_retry_after()
    {
        var (gate, time) = Create();
        using var response = Response((HttpStatusCode)429, retryAfterSeconds: 3);
        gate.Observe(response);

        var turn = gate.WaitTurnAsync(1, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(2));
        var stillWaiting = !turn.IsCompleted;
        time.Advance(TimeSpan.FromSeconds(1));
        await turn;

        Assert.That(stillWaiting, Is.True);
    }

    [Test]
    public void A_ban_longer_than_the_longest_wait_refuses_to_send_at_once()
    {
        var (gate, _) = Create(TimeSpan.FromSeconds(30));
        using var response = Response((HttpStatusCode)418, retryAfterSeconds: 600);
        gate.Observe(response);

        var refused = Assert.ThrowsAsync<BinanceRateLimitedException>(async () => await gate.WaitTurnAsync(0, CancellationToken.None));

        Assert.That(refused!.Message, Does.Contain("418").And.Contain("not sent"));
    }

    [Test]
    public void A_418_without_retry_after_is_taken_as_the_shortest_ban_of_two_minutes()
    {
        var (gate, _) = Create(TimeSpan.FromSeconds(30));
        using var response = Response((HttpStatusCode)418);
        gate.Observe(response);

        Assert.ThrowsAsync<BinanceRateLimitedException>(async () => await gate.WaitTurnAsync(1, CancellationToken.None));
    }

    [Test]
    public async Task A_retry_after_date_counts_on_the_hosts_clock_not_the_machines()
    {
        var (gate, time) = Create();
        using var response = Response((HttpStatusCode)429);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(Start.AddSeconds(4));
        gate.Observe(response);

        var turn = gate.WaitTurnAsync(1, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(3));
        var stillWaiting = !turn.IsCompleted;
        time.Advance(TimeSpan.FromSeconds(1));
        await turn;

        Assert.That(stillWaiting, Is.True, "a Retry-After date 4 s after the host's now waits 4 s of the host's clock (the machine's own clock is weeks later)");
    }

    [Test]
    public void A_retry_after_date_counts_from_the_servers_date_header_when_it_sends_one()
    {
        using var response = Response((HttpStatusCode)429);
        response.Headers.Date = Start.AddMinutes(10);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(Start.AddMinutes(10).AddSeconds(7));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(BinanceRateGate.RetryAfter(response, Start), Is.EqualTo(TimeSpan.FromSeconds(7)), "the server's clock 10 minutes ahead of the host's");
            Assert.That(BinanceRateGate.RetryAfter(response, Start.AddHours(1)), Is.EqualTo(TimeSpan.FromSeconds(7)), "and 50 minutes behind it");
        }
    }
}
