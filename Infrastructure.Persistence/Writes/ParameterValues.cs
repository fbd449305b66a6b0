namespace TradingBot.Infrastructure.Persistence.Writes;

/// <summary>A batch's parameter values by slot, in the order the batch binds them.</summary>
internal sealed class ParameterValues(int capacity)
{
    private object?[] _values = new object?[Math.Max(capacity, 4)];

    public int Count { get; private set; }

    /// <summary>The value bound to slot <paramref name="index"/>.</summary>
    public object? At(int index) => _values[index];

    /// <summary>Binds the next slot's value.</summary>
    public void Add(object? value)
    {
        if (Count == _values.Length)
        {
            Array.Resize(ref _values, _values.Length * 2);
        }

        _values[Count++] = value;
    }
}
