using TradingBot.Domain.Amounts;

namespace TradingBot.Domain.Tests;

public class ExactAmountParsing
{
    [TestCase("0.00038246", 38246L)]
    [TestCase("-0.07819010", -7819010L)]
    [TestCase("64000.1", 6400010000000L)]
    [TestCase("0", 0L)]
    [TestCase("-0", 0L)]
    [TestCase("1", 100000000L)]
    [TestCase("0.00000001", 1L)]
    [TestCase("-0.00000001", -1L)]
    [TestCase("007.50", 750000000L)]
    [TestCase("92233720368.54775807", long.MaxValue)]
    [TestCase("-92233720368.54775808", long.MinValue)]
    public void Plain_decimal_text_parses_to_the_exact_count_of_1e_8_units(string text, long expectedUnits)
    {
        Assert.That(FixedPoint.Parse(text), Is.EqualTo(expectedUnits));
    }

    [TestCase("0.000000001", "9 fractional digits")]
    [TestCase("1.000000000", "9 fractional digits")]
    [TestCase("1e5", "not a plain decimal number")]
    [TestCase("1E-3", "not a plain decimal number")]
    [TestCase(" 1", "not a plain decimal number")]
    [TestCase("1 ", "not a plain decimal number")]
    [TestCase("abc", "not a plain decimal number")]
    [TestCase("+1", "not a plain decimal number")]
    [TestCase(".5", "not a plain decimal number")]
    [TestCase("5.", "not a plain decimal number")]
    [TestCase("--1", "not a plain decimal number")]
    [TestCase("-", "not a plain decimal number")]
    [TestCase("1.2.3", "not a plain decimal number")]
    [TestCase("1,5", "not a plain decimal number")]
    [TestCase("92233720369", "out of range")]
    [TestCase("-92233720369", "out of range")]
    [TestCase("92233720368.54775808", "out of range")]
    [TestCase("-92233720368.54775809", "out of range")]
    [TestCase("99999999999999999999999999999999999999999", "out of range")]
    public void Malformed_or_inexact_text_is_refused_with_a_FormatException_naming_the_problem(string text, string problem)
    {
        Assert.That(
            () => FixedPoint.Parse(text),
            Throws.TypeOf<FormatException>()
                .With.Message.Contains(problem)
                .And.Message.Contains($"'{text}'"));
    }

    [TestCase("")]
    [TestCase(null)]
    public void Empty_or_missing_text_is_refused_as_empty(string? text)
    {
        Assert.That(() => FixedPoint.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contains("empty"));
    }

    [Test]
    public void TryParse_reports_the_problem_and_zero_units_instead_of_throwing()
    {
        var ok = FixedPoint.TryParse("1e5", out var units, out var error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.False);
            Assert.That(units, Is.Zero);
            Assert.That(error, Does.Contain("'1e5'"));
        }
    }

    [Test]
    public void TryParse_reports_no_error_for_valid_text()
    {
        var ok = FixedPoint.TryParse("-0.07819010", out var units, out var error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.True);
            Assert.That(units, Is.EqualTo(-7819010L));
            Assert.That(error, Is.Empty);
        }
    }

    [Test]
    public void Amount_Parse_keeps_the_exact_units_and_its_text_is_the_shortest_exact_form()
    {
        var amount = Amount.Parse("-0.07819010");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(amount.Units, Is.EqualTo(-7819010L));
            Assert.That(amount.ToString(), Is.EqualTo("-0.0781901"));
        }
    }

    [Test]
    public void Amount_TryParse_refuses_nine_decimals()
    {
        var ok = Amount.TryParse("0.000000001", out _, out var error);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ok, Is.False);
            Assert.That(error, Does.Contain("9 fractional digits"));
        }
    }

    [Test]
    public void Amount_Parse_refuses_an_exponent_with_a_FormatException()
    {
        Assert.That(() => Amount.Parse("1e5"), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void Quantity_Parse_keeps_the_exact_units()
    {
        Assert.That(Quantity.Parse("0.00038246").Units, Is.EqualTo(38246L));
    }

    [Test]
    public void Price_Parse_keeps_the_exact_units()
    {
        Assert.That(Price.Parse("64000.1").Units, Is.EqualTo(6400010000000L));
    }

    [TestCase("1e5")]
    [TestCase("0.000000001")]
    [TestCase("")]
    public void Quantity_Parse_refuses_what_FixedPoint_refuses(string text)
    {
        Assert.That(() => Quantity.Parse(text), Throws.TypeOf<FormatException>());
    }

    [TestCase("1e5")]
    [TestCase("0.000000001")]
    [TestCase(" 1")]
    public void Price_Parse_refuses_what_FixedPoint_refuses(string text)
    {
        Assert.That(() => Price.Parse(text), Throws.TypeOf<FormatException>());
    }
}
