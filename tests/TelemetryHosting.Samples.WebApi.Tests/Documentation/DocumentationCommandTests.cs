using System.Reflection;
using System.Text.RegularExpressions;
using TelemetryHosting.AspNetCore;
using TelemetryHosting.DevGateway;

namespace TelemetryHosting.Samples.WebApi.Tests.Documentation;

/// <summary>
/// Shell blocks in the pages name things that exist: repository paths, projects to run or test, test filters that match
/// tests, environment variables the tests read; configuration keys in the pages are properties of the options they bind.
/// </summary>
public sealed partial class DocumentationCommandTests
{
    [Fact]
    public void ShellBlocks_PathsAndProjects_Exist()
    {
        var problems = new List<string>();
        var checkedPaths = 0;
        foreach (var (page, line) in ShellLines())
        {
            foreach (Match match in RepositoryPath().Matches(line))
            {
                checkedPaths++;
                var path = match.Groups[1].Value.TrimEnd('.', '/');
                if (!Repository.Exists(path))
                {
                    problems.Add($"{page}: '{path}' does not exist: {line}");
                }
            }

            foreach (Match match in ProjectArgument().Matches(line))
            {
                var project = match.Groups[1].Value;
                var file = project.EndsWith(".csproj", StringComparison.Ordinal) || project.EndsWith(".sln", StringComparison.Ordinal)
                    ? project
                    : Path.Combine(project, Path.GetFileName(project) + ".csproj");
                if (!Repository.Exists(file))
                {
                    problems.Add($"{page}: '{project}' is no project (no {file}): {line}");
                }
            }
        }

        Assert.True(checkedPaths > 10, $"only {checkedPaths} paths found in shell blocks: the scan is broken");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void ShellBlocks_TestFiltersAndEnvironmentVariables_MatchTheTests()
    {
        var problems = new List<string>();
        var sources = Directory.GetFiles(Repository.FullPath("tests"), "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(Repository.Relative, File.ReadAllText);
        var checkedItems = 0;
        foreach (var (page, line) in ShellLines())
        {
            if (TestFilter().Match(line) is { Success: true } filter)
            {
                checkedItems++;
                var project = filter.Groups[1].Value.TrimEnd('/') + "/";
                var name = filter.Groups[2].Value;
                if (!sources.Any(source => source.Key.StartsWith(project, StringComparison.Ordinal) && source.Value.Contains(name, StringComparison.Ordinal)))
                {
                    problems.Add($"{page}: the filter FullyQualifiedName~{name} matches no test source in {project}: {line}");
                }
            }

            foreach (Match variable in EnvironmentVariable().Matches(line))
            {
                checkedItems++;
                if (!sources.Values.Any(source => source.Contains($"\"{variable.Value}\"", StringComparison.Ordinal)))
                {
                    problems.Add($"{page}: no test reads {variable.Value}: {line}");
                }
            }
        }

        Assert.True(checkedItems >= 3, $"only {checkedItems} filters and variables found: the scan is broken");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Pages_ConfigurationKeys_ArePropertiesOfTheirOptions()
    {
        var sections = new Dictionary<string, Type>(StringComparer.Ordinal)
        {
            ["TelemetryGateway"] = typeof(TelemetryGatewayOptions),
            ["TelemetryClientEvents"] = typeof(TelemetryClientEventsOptions),
            ["DevGateway"] = typeof(DevelopmentGatewayOptions),
        };
        var problems = new List<string>();
        var checkedKeys = 0;
        foreach (var page in Repository.Pages)
        {
            foreach (Match match in ConfigurationKey().Matches(Repository.Read(page)))
            {
                checkedKeys++;
                var path = match.Groups[2].Value.Replace("__", ":", StringComparison.Ordinal).Split(':', StringSplitOptions.RemoveEmptyEntries);
                var type = sections[match.Groups[1].Value];
                foreach (var name in path)
                {
                    var property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
                    if (property is null)
                    {
                        problems.Add($"{page}: {match.Value}: {type.Name} has no property {name}");
                        break;
                    }

                    type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                }
            }
        }

        Assert.True(checkedKeys > 20, $"only {checkedKeys} configuration keys found: the scan is broken");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static IEnumerable<(string Page, string Line)> ShellLines() =>
        from page in Repository.Pages
        from block in Markdown.ShellBlocks(Repository.Read(page))
        from line in block.Text.Split('\n')
        let command = line.Split(" #", 2)[0].Trim()
        where command.Length > 0 && !command.StartsWith('#')
        select (page, command);

    // A path into the repository's top folders, not part of a longer path or URL.
    [GeneratedRegex(@"(?<![\w./:-])((?:\.ci|src|tests|samples|docs|protos)/[\w./-]*)")]
    private static partial Regex RepositoryPath();

    [GeneratedRegex(@"(?:--project|dotnet (?:test|pack|build))\s+([\w./-]+)")]
    private static partial Regex ProjectArgument();

    [GeneratedRegex(@"dotnet test\s+([\w./-]+).*FullyQualifiedName~(\w+)")]
    private static partial Regex TestFilter();

    [GeneratedRegex(@"\bTELEMETRYHOSTING_[A-Z_]+\b")]
    private static partial Regex EnvironmentVariable();

    // Section:Key paths as written in configuration, on the command line (--Section:Key=) or in environment variables (Section__Key).
    [GeneratedRegex(@"\b(TelemetryGateway|TelemetryClientEvents|DevGateway)((?:(?::|__)[A-Z]\w*)+)")]
    private static partial Regex ConfigurationKey();
}
