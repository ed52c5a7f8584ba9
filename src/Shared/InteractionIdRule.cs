// Linked into TelemetryHosting and TelemetryHosting.AspNetCore so that an interaction id from a request header and
// one from W3C baggage pass the same rule.
using System.Buffers;

namespace TelemetryHosting.Shared;

/// <summary>The rule an interaction id from outside (a header, baggage) must pass before it is recorded.</summary>
internal static class InteractionIdRule
{
    /// <summary>The longest interaction id taken; Sourcegraph's are UUIDs or similar, far shorter.</summary>
    public const int MaxLength = 128;

    public const string TooLongReason = "too_long";
    public const string InvalidCharacterReason = "invalid_character";

    private static readonly SearchValues<char> Safe =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:");

    /// <summary>
    /// Returns <see langword="null"/> when <paramref name="value"/> is at most <see cref="MaxLength"/> letters, digits
    /// and <c>-_.:</c>, otherwise the reason it is not (<see cref="TooLongReason"/>, <see cref="InvalidCharacterReason"/>).
    /// The caller checks for a blank value first.
    /// </summary>
    public static string? Check(string value)
    {
        if (value.Length > MaxLength)
        {
            return TooLongReason;
        }

        return value.AsSpan().ContainsAnyExcept(Safe) ? InvalidCharacterReason : null;
    }
}
