// Linked into TelemetryHosting.AspNetCore and TelemetryHosting.DevGateway, which quote text that senders control.
namespace TelemetryHosting.Shared;

/// <summary>Cuts text that senders control (refused events may carry anything) to a length, never inside a surrogate pair.</summary>
internal static class TextClip
{
    /// <summary>Returns <paramref name="text"/> when it has at most <paramref name="maxLength"/> UTF-16 units, else its start followed by "…".</summary>
    public static string Clip(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        // A lone high surrogate cannot be written as UTF-8 (System.Text.Json refuses it): cut before the pair instead.
        var length = char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength;
        return string.Concat(text.AsSpan(0, length), "…");
    }
}
