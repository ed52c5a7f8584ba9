using Microsoft.Extensions.Logging;
using TelemetryHosting.Diagnostics.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// The most encoded bytes of events in one stream: unlimited (a batch is bounded by <c>MaxBatchBytes</c>) until a stream
/// is refused as too large, then half that stream's bytes for the next <see cref="Period"/> (a proxy's body limit rarely
/// changes); then unlimited again (one refusal and one warning per period if the limit still holds).
/// </summary>
internal sealed class StreamLimit(TimeProvider timeProvider, ILogger logger)
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(5);

    private readonly Lock _lock = new();
    private int _bytes = int.MaxValue;
    private long _loweredAt;

    public int Bytes
    {
        get
        {
            lock (_lock)
            {
                if (_bytes != int.MaxValue && timeProvider.GetElapsedTime(_loweredAt) >= Period)
                {
                    _bytes = int.MaxValue;
                }

                return _bytes;
            }
        }
    }

    /// <summary>Lowers the limit to half of <paramref name="refusedBytes"/>, the bytes of a stream refused as too large.</summary>
    /// <returns>Whether the next streams are smaller than the refused one.</returns>
    public bool Lower(long refusedBytes)
    {
        var lowered = (int)Math.Max(1, refusedBytes / 2);
        lock (_lock)
        {
            if (lowered >= _bytes)
            {
                // Another export lowered it as far or further meanwhile.
                return _bytes < refusedBytes;
            }

            _bytes = lowered;
            _loweredAt = timeProvider.GetTimestamp();
        }

        Log.StreamLimitLowered(logger, refusedBytes, lowered, Period);
        return lowered < refusedBytes;
    }
}
