using System.Text;

namespace TelemetryHosting.Samples.WebApi.Tests.Documentation;

/// <summary>
/// The commands of the README's "The two commands" block, as written: the line that runs the sample, the curl lines to
/// try it, and the test command. Lines continued with a trailing backslash are joined; comments are left out.
/// </summary>
internal sealed class ReadmeCommands
{
    private ReadmeCommands(IReadOnlyList<string> commands) => Commands = commands;

    public IReadOnlyList<string> Commands { get; }

    public string SampleCommand => Single(command => command.StartsWith("dotnet run ", StringComparison.Ordinal), "runs the sample (dotnet run …)");

    public string TestCommand => Single(command => command.StartsWith("bash .ci/", StringComparison.Ordinal), "runs the tests (bash .ci/…)");

    public IReadOnlyList<string> CurlCommands => [.. Commands.Where(command => command.StartsWith("curl ", StringComparison.Ordinal))];

    public static ReadmeCommands Read()
    {
        var readme = Repository.Read("README.md");
        var block = Markdown.ShellBlocks(readme).FirstOrDefault(block => block.Text.Contains("dotnet run ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("The README has no shell block with a dotnet run command.");
        var commands = new List<string>();
        var current = new StringBuilder();
        foreach (var line in block.Text.Split('\n'))
        {
            var trimmed = line.Trim();
            if (current.Length == 0 && (trimmed.Length == 0 || trimmed.StartsWith('#')))
            {
                continue;
            }

            if (trimmed.EndsWith('\\'))
            {
                current.Append(trimmed[..^1]).Append(' ');
                continue;
            }

            commands.Add(current.Append(trimmed).ToString());
            current.Clear();
        }

        return new ReadmeCommands(commands);
    }

    private string Single(Func<string, bool> predicate, string what)
    {
        var found = Commands.Where(predicate).ToList();
        Assert.True(found.Count == 1, $"The README's command block should hold exactly one command that {what}; it holds {found.Count}: {string.Join(" | ", Commands)}");
        return found[0];
    }
}
