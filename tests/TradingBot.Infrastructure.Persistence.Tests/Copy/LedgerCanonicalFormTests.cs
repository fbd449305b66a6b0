using Microsoft.EntityFrameworkCore;
using TradingBot.Infrastructure.Persistence.Copy;
using TradingBot.Infrastructure.Persistence.Rows;
using TradingBot.Infrastructure.Persistence.Writes;
using TradingBot.Infrastructure.Sqlite;

namespace TradingBot.Infrastructure.Persistence.Tests.Copy;

/// <summary>The one form two ledgers' rows are compared in, whatever their providers.</summary>
[TestFixture]
public sealed class LedgerCanonicalFormTests
{
    [Test]
    public void A_rows_hash_is_the_first_eight_bytes_of_its_utf8_sha256_read_little_endian()
    {
        var text = string.Concat(Enumerable.Repeat("funding é ✓ ", 200)); // beyond the stack buffer: the pooled path
        using (Assert.EnterMultipleScope())
        {
            Assert.That(LedgerCanonicalForm.Hash("abc"), Is.EqualTo(0xeacf018fbf1678baUL), "SHA-256(abc) begins ba 78 16 bf 8f 01 cf ea");
            Assert.That(
                LedgerCanonicalForm.Hash(text),
                Is.EqualTo(BitConverter.ToUInt64(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)).AsSpan(0, 8))));
        }
    }

    [Test]
    public void A_uuid_is_lower_case() =>
        Assert.That(LedgerCanonicalForm.Value(Guid.Parse("0195F3A2-7C1B-7D2E-9A3B-4C5D6E7F8091")), Is.EqualTo("0195f3a2-7c1b-7d2e-9a3b-4c5d6e7f8091"));

    [Test]
    public void A_time_is_utc_to_the_microsecond_whatever_its_offset()
    {
        var utc = new DateTimeOffset(2026, 12, 4, 15, 29, 11, TimeSpan.Zero).AddTicks(1_234_567);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(LedgerCanonicalForm.Value(utc), Is.EqualTo("2026-12-04T15:29:11.123456Z"));
            Assert.That(LedgerCanonicalForm.Value(utc.ToOffset(TimeSpan.FromHours(-5))), Is.EqualTo("2026-12-04T15:29:11.123456Z"));
            Assert.That(LedgerCanonicalForm.Value(utc.AddTicks(-8)), Is.EqualTo("2026-12-04T15:29:11.123455Z"), "a part of a microsecond is cut, not rounded");
        }
    }

    [Test]
    public void An_integer_is_exact_to_the_last_digit()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(LedgerCanonicalForm.Value(long.MaxValue), Is.EqualTo("9223372036854775807"));
            Assert.That(LedgerCanonicalForm.Value(long.MinValue), Is.EqualTo("-9223372036854775808"));
            Assert.That(LedgerCanonicalForm.Value(long.MaxValue - 1), Is.Not.EqualTo(LedgerCanonicalForm.Value(long.MaxValue)));
        }
    }

    [Test]
    public void Null_is_neither_empty_text_nor_the_word_null()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(LedgerCanonicalForm.Value(null), Is.Not.EqualTo(LedgerCanonicalForm.Value(string.Empty)));
            Assert.That(LedgerCanonicalForm.Value(null), Is.Not.EqualTo(LedgerCanonicalForm.Value("null")));
        }
    }

    [TestCase("""{"b":1, "a":2}""", """{"a":2,"b":1}""")]
    [TestCase("""{ "a" : [ 1 , 2 ] }""", """{"a":[1,2]}""")]
    [TestCase("""{"a":"caf\u00e9"}""", """{"a":"café"}""")]
    [TestCase("""{"a":1.0,"b":1e2,"c":2.50}""", """{"a":1,"b":100,"c":2.5}""")]
    [TestCase("""{"o":{"y":{"d":1,"c":2},"x":null}}""", """{"o":{"x":null,"y":{"c":2,"d":1}}}""")]
    public void Json_is_compared_as_parsed_values(string stored, string sameValue) =>
        Assert.That(LedgerCanonicalForm.Json(stored), Is.EqualTo(LedgerCanonicalForm.Json(sameValue)));

    [TestCase("1", "1.0")]
    [TestCase("1", "10e-1")]
    [TestCase("1", "1E0")]
    [TestCase("1", "0.1e+1")]
    [TestCase("0", "-0.0")]
    [TestCase("0", "0e400")]
    [TestCase("1e400", "10e399")]
    [TestCase("1e-400", "0.0001e-396")]
    [TestCase("-2.5e99999999999999999999", "-25e99999999999999999998")]
    [TestCase("123456789012345678901234567890.5", "1234567890123456789012345678905e-1")]
    public void A_json_number_is_its_value_whatever_its_spelling(string one, string same) =>
        Assert.That(LedgerCanonicalForm.Json($"[{one}]"), Is.EqualTo(LedgerCanonicalForm.Json($"[{same}]")));

    [TestCase("1e400", "1e401")]
    [TestCase("1e-400", "0")]
    [TestCase("1e-400", "-1e-400")]
    [TestCase("0.12345678901234567890123456789012", "0.12345678901234567890123456789013")] // past decimal's 28 digits
    [TestCase("79228162514264337593543950336", "79228162514264337593543950337")] // past decimal's range
    public void Json_numbers_of_different_values_differ(string one, string other) =>
        Assert.That(LedgerCanonicalForm.Json($"[{one}]"), Is.Not.EqualTo(LedgerCanonicalForm.Json($"[{other}]")));

    // Prune archives and pg_dump checksum files hold checksums of this text: it is the text decimal's G29 wrote before.
    [TestCase("[1.0,10e-1,1E0,-0]", "[1,1,1,0]")]
    [TestCase("[123.4500,-0.00001234,0.0001,0.00001,1e28]", "[123.45,-1.234E-05,0.0001,1E-05,10000000000000000000000000000]")]
    [TestCase("[1e29,-1.5e-7,1e-400,25e99999999999999999998]", "[1E+29,-1.5E-07,1E-400,2.5E+99999999999999999999]")]
    public void A_json_number_is_written_as_before_without_a_range_limit(string stored, string canonical) =>
        Assert.That(LedgerCanonicalForm.Json(stored), Is.EqualTo(canonical));

    [TestCase("""{"a":[1,2]}""", """{"a":[2,1]}""")]
    [TestCase("""{"a":1}""", """{"a":"1"}""")]
    [TestCase("""{"a":1}""", """{"a":1.000000001}""")]
    [TestCase("""{"a":123456789012345678901234567890}""", """{"a":123456789012345678901234567891}""")]
    [TestCase("""{"a":1e-40}""", """{"a":0}""")]
    [TestCase("""{"a":null}""", """{}""")]
    public void Json_that_differs_in_value_differs(string one, string other) =>
        Assert.That(LedgerCanonicalForm.Json(one), Is.Not.EqualTo(LedgerCanonicalForm.Json(other)));

    [Test]
    public void The_row_hasher_writes_the_bytes_of_the_canonical_text_whatever_the_values()
    {
        var options = new DbContextOptionsBuilder<LedgerDbContext>();
        SqliteLedger.Configure(options, $"Data Source={Path.Combine(Path.GetTempPath(), "model-only-never-opened.db")}"); // the model only: no connection opens
        using var db = new LedgerDbContext(options.Options);
        var odd = new DateTimeOffset(2026, 12, 4, 15, 29, 11, TimeSpan.FromHours(-5)).AddTicks(1_234_567);
        object[] rows =
        [
            new FillRow { Id = Guid.NewGuid(), OrderId = null, ExchangeFillId = "EXT:é✓", PriceQuote = long.MinValue, QuantityBase = long.MaxValue, FeeQuote = 0, FeeAsset = "", FilledAt = odd, PositionSequence = -1, CreatedAt = DateTimeOffset.MinValue },
            new FillRow { Id = Guid.Empty, OrderId = Guid.NewGuid(), ExchangeFillId = "1", PriceQuote = 1, QuantityBase = 2, FeeQuote = -3, FeeAsset = "BNB", FilledAt = DateTimeOffset.MaxValue, PositionSequence = 0, CreatedAt = null },
            new AuditLogRow { Id = Guid.NewGuid(), EventType = "DECISION", EventData = """{"b": 1.0, "a": "\u00e9", "n": [1e2, {"y": null, "x": true}]}""", CreatedAt = odd },
            new SymbolHaltRow { Id = Guid.NewGuid(), Exchange = "BINANCE", Symbol = "ETHUSDT", Reason = "POSITION_DIFFERS", Detail = new string('✓', 2_000), HaltedAt = odd, HaltedUntil = null, ReleasedAt = null, Version = int.MaxValue, CreatedAt = odd, UpdatedAt = null },
        ];
        using (Assert.EnterMultipleScope())
        {
            foreach (var row in rows)
            {
                var table = (LedgerTable)typeof(LedgerTable).GetMethod(nameof(LedgerTable.For))!.MakeGenericMethod(row.GetType()).Invoke(null, [db])!;
                Assert.That(new CanonicalRowHasher(table).Hash(row), Is.EqualTo(LedgerCanonicalForm.Hash(LedgerCanonicalForm.Row(table, row))), table.RawName);
            }
        }
    }
}
