namespace TelemetryHosting.Samples.WebApi.Tests.Documentation;

/// <summary>
/// Every link in the README, docs/ and the package READMEs leads somewhere: relative links to files of the repository
/// (and their #anchors to headings), absolute links into the repository (under PackageProjectUrl) to files that exist.
/// </summary>
public sealed class DocumentationLinkTests
{
    [Fact]
    public void Pages_RelativeLinks_ResolveToFilesAndHeadings()
    {
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var page in Repository.Pages)
        {
            foreach (var link in Markdown.Links(Repository.Read(page)).Where(IsRelative))
            {
                checkedLinks++;
                var (path, anchor) = Split(link);
                var target = path.Length == 0 ? page : Repository.Relative(Path.GetFullPath(Path.Combine(Repository.Root, Path.GetDirectoryName(page)!, Uri.UnescapeDataString(path))));
                if (Check(target, anchor) is { } problem)
                {
                    broken.Add($"{page}: ({link}) {problem}");
                }
            }
        }

        Assert.True(checkedLinks > 50, $"only {checkedLinks} relative links found: the link scan is broken");
        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void Pages_AbsoluteRepositoryLinks_MapToExistingFiles()
    {
        var prefix = Repository.ProjectUrl + "/";
        var broken = new List<string>();
        var checkedLinks = 0;
        foreach (var page in Repository.Pages)
        {
            foreach (var link in Markdown.Links(Repository.Read(page)).Where(link => link.StartsWith(prefix, StringComparison.Ordinal)))
            {
                checkedLinks++;
                if (ToRepositoryPath(link, prefix) is not { } path)
                {
                    broken.Add($"{page}: ({link}) is not of the form {prefix}blob/main/<path> or {prefix}tree/main/<path>");
                    continue;
                }

                var (file, anchor) = Split(path);
                if (Check(file, anchor) is { } problem)
                {
                    broken.Add($"{page}: ({link}) {problem}");
                }
            }
        }

        Assert.True(checkedLinks >= Repository.PackageReadmes.Count, $"only {checkedLinks} absolute links into {prefix}: the package READMEs should link into the docs");
        Assert.True(broken.Count == 0, "Broken links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void PackageReadmes_EveryPackageHasOne_WithOnlyAbsoluteLinksIntoTheDocs()
    {
        var prefix = Repository.ProjectUrl + "/";
        var problems = new List<string>();
        foreach (var readme in Repository.PackageReadmes)
        {
            if (!Repository.Exists(readme))
            {
                problems.Add($"{readme} is missing: NuGet shows a package's own README");
                continue;
            }

            var links = Markdown.Links(Repository.Read(readme));
            problems.AddRange(links.Where(IsRelative).Select(link => $"{readme}: ({link}) is relative; NuGet renders it out of the repository's context"));
            if (!links.Any(link => link.StartsWith(prefix + "blob/main/docs/", StringComparison.Ordinal)))
            {
                problems.Add($"{readme} links to no page of {prefix}blob/main/docs/");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Slug_Headings_FollowGitHub()
    {
        Assert.Equal("the-two-commands", Markdown.Slug("The two commands"));
        Assert.Equal("aspnet-core-enrichment", Markdown.Slug("ASP.NET Core enrichment"));
        Assert.Equal("telemetrygatewaysams-telemetrygatewaysamsoptions", Markdown.Slug("`TelemetryGateway:Sams` (`TelemetryGatewaySamsOptions`)"));
        Assert.Equal("the-grpc-js-second-server", Markdown.Slug("The grpc-js second server"));
        Assert.Equal("see-docs", Markdown.Slug("See [docs](docs/README.md)"));
        Assert.Equal(["a", "a-1"], Markdown.Anchors("# A\n```\n# not a heading\n```\n## A\n").Order());
    }

    private static bool IsRelative(string link) =>
        !link.Contains("://", StringComparison.Ordinal) && !link.StartsWith("mailto:", StringComparison.Ordinal);

    private static (string Path, string? Anchor) Split(string link)
    {
        var hash = link.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? (link, null) : (link[..hash], link[(hash + 1)..]);
    }

    private static string? ToRepositoryPath(string link, string prefix)
    {
        var rest = link[prefix.Length..];
        foreach (var kind in new[] { "blob/main/", "tree/main/" })
        {
            if (rest.StartsWith(kind, StringComparison.Ordinal))
            {
                return rest[kind.Length..];
            }
        }

        return null;
    }

    private static string? Check(string target, string? anchor)
    {
        if (target.StartsWith("..", StringComparison.Ordinal) || !Repository.Exists(target))
        {
            return $"points at {target}, which is not a file or folder of the repository";
        }

        if (anchor is null)
        {
            return null;
        }

        if (!target.EndsWith(".md", StringComparison.Ordinal) || !File.Exists(Repository.FullPath(target)))
        {
            return $"has an anchor, but {target} is not a Markdown page";
        }

        var anchors = Markdown.Anchors(Repository.Read(target));
        return anchors.Contains(anchor) ? null : $"#{anchor} is no heading of {target} (headings: {string.Join(", ", anchors.Order(StringComparer.Ordinal))})";
    }
}
