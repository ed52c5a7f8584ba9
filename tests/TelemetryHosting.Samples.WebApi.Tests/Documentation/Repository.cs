using System.Text.RegularExpressions;

namespace TelemetryHosting.Samples.WebApi.Tests.Documentation;

/// <summary>The repository the tests run from, found by walking up to the solution file, and its documentation pages.</summary>
internal static partial class Repository
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>Gets the repository's root folder (the one holding TelemetryHosting.sln).</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>Gets the repository-relative paths of every page checked: the README, docs/*.md and the package READMEs.</summary>
    public static IReadOnlyList<string> Pages =>
    [
        "README.md",
        .. Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Select(Relative).Order(StringComparer.Ordinal),
        .. PackageReadmes,
    ];

    /// <summary>Gets the README of every packable project in src/ (one per project folder holding a .csproj).</summary>
    public static IReadOnlyList<string> PackageReadmes =>
        [.. PackageProjects.Select(project => Path.Combine(Path.GetDirectoryName(project)!, "README.md"))];

    /// <summary>Gets the repository-relative paths of the projects under src/.</summary>
    public static IReadOnlyList<string> PackageProjects =>
        [.. Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories).Select(Relative).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Gets the base of absolute links into the repository: <c>PackageProjectUrl</c> from src/Directory.Build.props.
    /// </summary>
    public static string ProjectUrl
    {
        get
        {
            var match = ProjectUrlPattern().Match(Read("src/Directory.Build.props"));
            Assert.True(match.Success, "src/Directory.Build.props sets no <PackageProjectUrl>: package READMEs need it as the base of their links.");
            return match.Groups[1].Value.TrimEnd('/');
        }
    }

    public static string Read(string relativePath) => File.ReadAllText(FullPath(relativePath));

    public static string FullPath(string relativePath) => Path.GetFullPath(Path.Combine(Root, relativePath));

    public static bool Exists(string relativePath) => File.Exists(FullPath(relativePath)) || Directory.Exists(FullPath(relativePath));

    public static string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TelemetryHosting.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No TelemetryHosting.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"<PackageProjectUrl>\s*([^<\s]+)\s*</PackageProjectUrl>")]
    private static partial Regex ProjectUrlPattern();
}
