namespace TelemetryHosting.DevGateway.Internal;

/// <summary>The newest <c>capacity</c> items; not thread-safe (the store locks around it).</summary>
internal sealed class Ring<T>(int capacity)
    where T : class
{
    private readonly T[] _items = new T[Math.Max(capacity, 0)];
    private int _next;
    private int _kept;

    public void Add(T item)
    {
        if (_items.Length == 0)
        {
            return;
        }

        _items[_next] = item;
        _next = (_next + 1) % _items.Length;
        _kept = Math.Min(_kept + 1, _items.Length);
    }

    /// <summary>Returns the kept items, newest first.</summary>
    public T[] Snapshot()
    {
        var snapshot = new T[_kept];
        for (var i = 0; i < _kept; i++)
        {
            snapshot[i] = _items[(_next - 1 - i + _items.Length) % _items.Length];
        }

        return snapshot;
    }

    public void Clear()
    {
        Array.Clear(_items);
        _next = 0;
        _kept = 0;
    }
}
