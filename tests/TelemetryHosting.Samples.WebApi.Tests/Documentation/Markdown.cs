using System.Text;
using System.Text.RegularExpressions;

namespace TelemetryHosting.Samples.WebApi.Tests.Documentation;

/// <summary>Just enough Markdown for the documentation checks: fenced blocks, links, headings and their GitHub anchors.</summary>
internal static partial class Markdown
{
    /// <summary>A fenced code block: its info string's language (may be empty) and its text.</summary>
    public sealed record CodeBlock(string Language, string Text);

    /// <summary>Returns the fenced code blocks of <paramref name="markdown"/>, in order.</summary>
    public static IReadOnlyList<CodeBlock> CodeBlocks(string markdown)
    {
        var blocks = new List<CodeBlock>();
        string? language = null;
        var text = new StringBuilder();
        foreach (var line in Lines(markdown))
        {
            var trimmed = line.TrimStart();
            if (language is null)
            {
                if (trimmed.StartsWith("```", StringComparison.Ordinal))
                {
                    language = trimmed[3..].Trim();
                    text.Clear();
                }
            }
            else if (trimmed.StartsWith("```", StringComparison.Ordinal))
            {
                blocks.Add(new CodeBlock(language, text.ToString()));
                language = null;
            }
            else
            {
                text.Append(line).Append('\n');
            }
        }

        return blocks;
    }

    /// <summary>Returns the shell blocks (bash, sh, shell) of <paramref name="markdown"/>.</summary>
    public static IEnumerable<CodeBlock> ShellBlocks(string markdown) =>
        CodeBlocks(markdown).Where(block => block.Language is "bash" or "sh" or "shell");

    /// <summary>Returns the prose of <paramref name="markdown"/>: everything outside fenced blocks and inline code spans.</summary>
    public static string Prose(string markdown)
    {
        var prose = new StringBuilder();
        var inFence = false;
        foreach (var line in Lines(markdown))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (!inFence)
            {
                prose.Append(InlineCode().Replace(line, string.Empty)).Append('\n');
            }
        }

        return prose.ToString();
    }

    /// <summary>Returns the targets of the inline links (<c>[text](target)</c>) and autolinks (<c>&lt;https://…&gt;</c>) in the prose.</summary>
    public static IReadOnlyList<string> Links(string markdown)
    {
        var prose = Prose(markdown);
        return
        [
            .. InlineLink().Matches(prose).Select(match => match.Groups[1].Value),
            .. AutoLink().Matches(prose).Select(match => match.Groups[1].Value),
        ];
    }

    /// <summary>Returns the GitHub anchors of the headings of <paramref name="markdown"/> (duplicates numbered -1, -2, …).</summary>
    public static IReadOnlySet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var inFence = false;
        foreach (var line in Lines(markdown))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            var heading = Heading().Match(line);
            if (inFence || !heading.Success)
            {
                continue;
            }

            var slug = Slug(heading.Groups[1].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }

        return anchors;
    }

    /// <summary>
    /// GitHub's heading anchor: link markup reduced to its text, lowercased, every character that is not a letter, digit,
    /// space, hyphen or underscore removed, spaces turned into hyphens.
    /// </summary>
    public static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading.Trim(), match => match.Groups[0].Value[1..match.Groups[0].Value.IndexOf(']', StringComparison.Ordinal)]);
        var slug = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    private static string[] Lines(string markdown) => markdown.ReplaceLineEndings("\n").Split('\n');

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"\[[^\]\n]*\]\(([^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"<(https?://[^>\s]+)>")]
    private static partial Regex AutoLink();

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*#*\s*$")]
    private static partial Regex Heading();
}
