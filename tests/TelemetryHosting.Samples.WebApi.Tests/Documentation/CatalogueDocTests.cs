namespace TelemetryHosting.Samples.WebApi.Tests.Documentation;

/// <summary>
/// docs/telemetry-events.md shows the sample web API's catalogue as its build writes it: an event added, removed or
/// reshaped in the sample without the page changing fails here.
/// </summary>
public sealed class CatalogueDocTests
{
    private const string Page = "docs/telemetry-events.md";

    [Fact]
    public void CataloguePage_SampleTable_IsWhatTheSampleBuildWrites()
    {
        // The sample is built with this project, in the same configuration (bin/<configuration>/net10.0/).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var built = Repository.FullPath($"samples/TelemetryHosting.Samples.WebApi/bin/{configuration}/net10.0/telemetry-events.md");
        Assert.True(File.Exists(built), $"The sample's build wrote no catalogue at {built}.");

        Assert.Equal(TableRows(File.ReadAllLines(built)), TableRows(Section(Repository.Read(Page), "## The catalogue")));
    }

    private static string[] Section(string page, string heading)
    {
        var lines = page.ReplaceLineEndings("\n").Split('\n');
        var start = Array.IndexOf(lines, heading);
        Assert.True(start >= 0, $"{Page} has no '{heading}' section.");
        var end = Array.FindIndex(lines, start + 1, line => line.StartsWith("## ", StringComparison.Ordinal));
        return lines[start..(end < 0 ? lines.Length : end)];
    }

    private static List<string> TableRows(IEnumerable<string> lines) =>
        [.. lines.Select(line => line.TrimEnd()).Where(line => line.StartsWith('|'))];
}
