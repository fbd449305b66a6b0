using TradingBot.Domain.Audit;

namespace TradingBot.Domain.Tests;

public class AuditEventTypeCodes
{
    [TestCase("DECISION")]
    [TestCase("ERROR")]
    [TestCase("STATE_TRANSITION")]
    [TestCase("RECONCILIATION")]
    [TestCase("FILL")]
    [TestCase("FUNDING")]
    public void The_stored_codes_include(string code)
    {
        Assert.That(AuditEventTypes.Codes, Does.Contain(code));
    }

    [Test]
    public void There_is_one_distinct_code_per_event_type()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(AuditEventTypes.Codes, Is.Unique);
            Assert.That(AuditEventTypes.Codes, Has.Count.EqualTo(Enum.GetValues<AuditEventType>().Length));
        }
    }

    [Test]
    public void Every_code_parses_back_to_the_type_that_prints_it()
    {
        foreach (var code in AuditEventTypes.Codes)
        {
            Assert.That(AuditEventTypes.Parse(code).ToCode(), Is.EqualTo(code));
        }
    }

    [TestCase(AuditEventType.Decision, "DECISION")]
    [TestCase(AuditEventType.Error, "ERROR")]
    [TestCase(AuditEventType.StateTransition, "STATE_TRANSITION")]
    [TestCase(AuditEventType.Reconciliation, "RECONCILIATION")]
    [TestCase(AuditEventType.Fill, "FILL")]
    [TestCase(AuditEventType.Funding, "FUNDING")]
    public void Each_type_round_trips_through_its_code(AuditEventType type, string code)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(type.ToCode(), Is.EqualTo(code));
            Assert.That(AuditEventTypes.Parse(code), Is.EqualTo(type));
        }
    }

    [TestCase("UNKNOWN")]
    [TestCase("decision")]
    [TestCase("StateTransition")]
    [TestCase("")]
    [TestCase(null)]
    public void An_unknown_code_throws_FormatException(string? code)
    {
        Assert.That(() => AuditEventTypes.Parse(code), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void An_audit_event_keeps_its_fields()
    {
        var audit = AuditEvent.Create(AuditEventType.StateTransition, TestLedger.T0, ("from", "OPEN"), ("to", "FILLED"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(audit.Type, Is.EqualTo(AuditEventType.StateTransition));
            Assert.That(audit.Data, Has.Count.EqualTo(2));
            Assert.That(audit.Data["from"], Is.EqualTo("OPEN"));
            Assert.That(audit.Data["to"], Is.EqualTo("FILLED"));
            Assert.That(audit.Id, Is.Not.EqualTo(Guid.Empty));
        }
    }

    [Test]
    public void An_audit_event_with_the_empty_id_is_refused()
    {
        Assert.That(
            () => new AuditEvent(Guid.Empty, AuditEventType.Error, new Dictionary<string, string>(), TestLedger.T0),
            Throws.ArgumentException);
    }
}
