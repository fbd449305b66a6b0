using System.Globalization;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Infrastructure.Persistence.Tests.Providers;

/// <summary>SQLite's text form of a time: read back exactly, by the fast path and by ParseExact alike.</summary>
[TestFixture]
public sealed class SqliteTimeText
{
    private const string Formats = "yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'ffffff";

    [Test]
    public void Every_time_reads_back_as_written_and_as_parse_exact_reads_it()
    {
        var seed = Environment.TickCount;
        TestContext.Out.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var edges = new[] { DateTimeOffset.MinValue, DateTimeOffset.MaxValue.AddTicks(-9), new DateTimeOffset(2028, 2, 29, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_990) };
        var times = edges.Concat(Enumerable.Range(0, 10_000).Select(_ => new DateTimeOffset(random.NextInt64(DateTimeOffset.MinValue.Ticks, DateTimeOffset.MaxValue.Ticks) / 10 * 10, TimeSpan.Zero)));
        using (Assert.EnterMultipleScope())
        {
            foreach (var time in times)
            {
                var text = SqliteLedgerDialect.ToText(time);
                Assert.That(SqliteLedgerDialect.FromText(text), Is.EqualTo(time), text);
                Assert.That(SqliteLedgerDialect.FromText(text), Is.EqualTo(DateTimeOffset.ParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)), text);
            }
        }
    }

    [TestCase("2026-12-05 10:04:11", "2026-12-05T10:04:11.0000000+00:00")]
    [TestCase("2026-12-05 10:04:11.123", "2026-12-05T10:04:11.1230000+00:00")]
    [TestCase("2026-12-05 10:04:11.007", "2026-12-05T10:04:11.0070000+00:00")]
    [TestCase("2028-02-29 23:59:59.999", "2028-02-29T23:59:59.9990000+00:00")]
    public void SQLites_own_current_timestamp_forms_read_as_parse_exact_reads_them(string text, string expected)
    {
        var parsed = DateTimeOffset.ParseExact(text, ["yyyy'-'MM'-'dd' 'HH':'mm':'ss", "yyyy'-'MM'-'dd' 'HH':'mm':'ss'.'fff"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(SqliteLedgerDialect.FromText(text), Is.EqualTo(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture)));
            Assert.That(SqliteLedgerDialect.FromText(text), Is.EqualTo(parsed));
        }
    }

    [TestCase("2026-02-30 10:04:11.123456")]
    [TestCase("2026-12-05 24:00:00.000000")]
    [TestCase("2026-12-05 10:60:00.000000")]
    [TestCase("2026-12-05T10:04:11.123456")]
    [TestCase("2026-12-05 10:04:11.12345x")]
    [TestCase("0000-12-05 10:04:11.123456")]
    [TestCase("2026-12-05 10:04:11.1234")]
    [TestCase("2026-12-05 10:04:11.")]
    [TestCase("2026-12-05 10:04:11x123")]
    [TestCase("2026-12-05 10:04:1")]
    public void A_malformed_time_is_refused_as_parse_exact_refuses_it(string text) =>
        Assert.That(() => SqliteLedgerDialect.FromText(text), Throws.TypeOf<FormatException>());
}
