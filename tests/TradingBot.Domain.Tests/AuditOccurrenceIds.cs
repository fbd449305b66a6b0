using TradingBot.Domain.Audit;

namespace TradingBot.Domain.Tests;

public class AuditOccurrenceIds
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);

    [Test]
    public void The_same_occurrence_reported_twice_makes_the_same_event_id()
    {
        var first = AuditEvent.ForOccurrence("trade T9|foreign", AuditEventType.Error, T0, ("error", "foreign"));
        var later = AuditEvent.ForOccurrence("trade T9|foreign", AuditEventType.Error, T0.AddMinutes(5), ("error", "foreign"));

        Assert.That(later.Id, Is.EqualTo(first.Id));
    }

    [TestCase("trade T9|foreign", "trade T8|foreign")]
    [TestCase("trade T9|foreign", "trade T9|refused")]
    [TestCase("a", "A")]
    public void Different_occurrences_make_different_ids(string one, string other)
    {
        Assert.That(
            AuditEvent.ForOccurrence(one, AuditEventType.Error, T0).Id,
            Is.Not.EqualTo(AuditEvent.ForOccurrence(other, AuditEventType.Error, T0).Id));
    }

    [Test]
    public void An_occurrence_id_is_a_version_8_rfc_9562_uuid()
    {
        var id = AuditEvent.ForOccurrence("trade T9|foreign", AuditEventType.Error, T0).Id;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(id.Version, Is.EqualTo(8));
            Assert.That(id.Variant & 0xC, Is.EqualTo(0x8), "RFC 9562 variant (10xx)");
        }
    }

    [Test]
    public void An_occurrence_needs_a_name()
    {
        Assert.Throws<ArgumentException>(() => AuditEvent.ForOccurrence("", AuditEventType.Error, T0));
    }
}
