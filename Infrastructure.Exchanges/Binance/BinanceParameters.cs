using System.Globalization;
using System.Text;

namespace TradingBot.Infrastructure.Exchanges.Binance;

/// <summary>Request parameters in the order they are sent, percent-encoded exactly once (the form that is signed).</summary>
internal sealed class BinanceParameters
{
    private readonly List<KeyValuePair<string, string>> _items = [];

    public int Count => _items.Count;

    public BinanceParameters Add(string name, string value)
    {
        _items.Add(new(name, value));
        return this;
    }

    public BinanceParameters Add(string name, long value) => Add(name, value.ToString(CultureInfo.InvariantCulture));

    public string? Find(string name) => _items.FirstOrDefault(p => p.Key == name).Value;

    /// <summary>"a=1&amp;b=2", each value percent-encoded.</summary>
    public string Encode(string? suffix = null)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in _items)
        {
            if (text.Length > 0)
            {
                text.Append('&');
            }

            text.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        if (!string.IsNullOrEmpty(suffix))
        {
            if (text.Length > 0)
            {
                text.Append('&');
            }

            text.Append(suffix);
        }

        return text.ToString();
    }

    public override string ToString() => Encode();
}
