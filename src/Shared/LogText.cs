// Linked into TelemetryHosting.DevGateway, which logs text that peers control.
using System.Globalization;
using System.Text;

namespace TelemetryHosting.Shared;

/// <summary>
/// Escapes text a peer chose before it goes into a log line, so that it can never end the line and start a forged one,
/// nor reorder what a reader sees.
/// </summary>
internal static class LogText
{
    /// <summary>
    /// Returns <paramref name="text"/> with <c>\</c> doubled, CR, LF and tab as <c>\r</c>, <c>\n</c>, <c>\t</c>, and every
    /// other control character, line or paragraph separator and bidirectional formatting character as <c>\uXXXX</c>;
    /// the same string when there is nothing to escape.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var first = 0;
        while (first < text.Length && !NeedsEscape(text[first]))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        builder.Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '\r': builder.Append(@"\r"); break;
                case '\n': builder.Append(@"\n"); break;
                case '\t': builder.Append(@"\t"); break;
                default:
                    if (NeedsEscape(c))
                    {
                        builder.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.ToString();
    }

    // C0, DEL and C1 controls (NEL among them), U+2028/U+2029, and the bidirectional marks, embeddings and isolates.
    private static bool NeedsEscape(char c) =>
        c == '\\'
        || char.IsControl(c)
        || c is '\u2028' or '\u2029' or '\u061c' or '\u200e' or '\u200f'
        || c is >= '\u202a' and <= '\u202e'
        || c is >= '\u2066' and <= '\u2069';
}
