// Linked into TelemetryHosting and TelemetryHosting.DevGateway: one rule for text a peer chose, wherever it is logged.
using System.Globalization;
using System.Text;

namespace TelemetryHosting.Shared;

/// <summary>
/// Makes text a peer chose (a form field, an event's id, a token endpoint's error description, a gateway's status detail)
/// safe to put in a log line, an exception message or a health check: control characters (C0, DEL, C1), line and
/// paragraph separators and bidirectional formatting characters are written as escapes (<c>\r</c>, <c>\n</c>,
/// <c>\t</c>, <c>\uXXXX</c>), so that the text can neither start a forged log line nor rewrite a terminal; and it is
/// clipped. Escaping is idempotent: text that went through it once comes out unchanged.
/// </summary>
internal static class LogText
{
    /// <summary>The default bound, in characters, of an escaped value.</summary>
    public const int DefaultMaxLength = 500;

    /// <summary>Returns <paramref name="text"/> escaped and clipped to about <paramref name="maxLength"/> characters.</summary>
    public static string Escape(string? text, int maxLength = DefaultMaxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (text.Length <= maxLength && !NeedsEscape(text))
        {
            return text;
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength) + 16);
        for (var i = 0; i < text.Length; i++)
        {
            if (builder.Length >= maxLength)
            {
                return builder.Append("...").ToString();
            }

            var c = text[i];
            if (!IsUnsafe(c))
            {
                builder.Append(c);

                // A surrogate pair is never split by the clip.
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    builder.Append(text[++i]);
                }

                continue;
            }

            _ = c switch
            {
                '\r' => builder.Append(@"\r"),
                '\n' => builder.Append(@"\n"),
                '\t' => builder.Append(@"\t"),
                _ => builder.Append(@"\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)),
            };
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(string text)
    {
        foreach (var c in text)
        {
            if (IsUnsafe(c))
            {
                return true;
            }
        }

        return false;
    }

    // C0, DEL and C1 (char.IsControl), the line and paragraph separators, and the bidirectional marks, embeddings,
    // overrides and isolates (Trojan Source, CVE-2021-42574).
    private static bool IsUnsafe(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' or '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
