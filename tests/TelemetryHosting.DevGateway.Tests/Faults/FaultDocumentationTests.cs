using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace TelemetryHosting.DevGateway.Tests.Faults;

/// <summary>
/// The fault options, the tool's appsettings.json and the fault table of docs/development-gateway.md say the same thing:
/// every fault, its own settings, their defaults. Adding a fault to the options without the other two fails here.
/// </summary>
public sealed partial class FaultDocumentationTests
{
    private const string CommonOptionsTypeName = "TelemetryHosting.DevGateway.FaultInjectionOptions";

    [Fact]
    public void DocsFaultTable_ListsEveryFaultWithItsOwnSettingsAndDefaults()
    {
        var faults = FaultProperties();
        var rows = TableRows("| Fault |");

        Assert.Equal(faults.Select(p => p.Name).Order(StringComparer.Ordinal), rows.Select(r => FirstName(r[0])).Order(StringComparer.Ordinal));
        var defaults = new GatewayFaultOptions();
        foreach (var row in rows)
        {
            var fault = faults.Single(p => p.Name == FirstName(row[0]));
            var own = fault.PropertyType.FullName == CommonOptionsTypeName
                ? []
                : fault.PropertyType.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
            var documented = SettingWithDefault().Matches(row[1]).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
            Assert.True(
                own.Select(p => p.Name).Order(StringComparer.Ordinal).SequenceEqual(documented.Keys.Order(StringComparer.Ordinal)),
                $"{fault.Name}: the docs list its own settings as [{string.Join(", ", documented.Keys)}], the options type {fault.PropertyType.Name} has [{string.Join(", ", own.Select(p => p.Name))}].");
            foreach (var setting in own)
            {
                Assert.Equal(Format(setting.GetValue(fault.GetValue(defaults))), documented[setting.Name]);
            }

            // Whatever the row names as the run-time control exists on GatewayFaults.
            foreach (Match member in CodeName().Matches(row[2]))
            {
                Assert.True(typeof(GatewayFaults).GetMember(member.Groups[1].Value).Length > 0, $"{fault.Name}: GatewayFaults has no member {member.Groups[1].Value}.");
            }
        }
    }

    [Fact]
    public void DocsCommonSettingsTable_ListsTheSettingsEveryFaultHasWithTheirDefaults()
    {
        var common = typeof(GatewayFaultOptions).Assembly.GetType(CommonOptionsTypeName);
        Assert.NotNull(common);
        var rows = TableRows("| Setting of every fault |");

        var expected = common.GetProperties().Select(p => (p.Name, Format(p.GetValue(Activator.CreateInstance(common)))))
            .Concat(typeof(GatewayFaultOptions).GetProperties().Where(p => !IsFault(p)).Select(p => (p.Name, Format(p.GetValue(new GatewayFaultOptions())))))
            .Order();
        var documented = rows.Select(r => (FirstName(r[0]), r[1].Trim().Trim('`'))).Order();
        Assert.Equal(expected, documented);
    }

    [Fact]
    public void AppSettings_FaultsSection_HasEveryFaultSettingAtItsDefault()
    {
        var path = Path.Combine(RepositoryRoot(), "src", "TelemetryHosting.DevGateway", "appsettings.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var section = json.RootElement.GetProperty("DevGateway").GetProperty("Faults");

        Assert.Equal(
            typeof(GatewayFaultOptions).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal),
            section.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var fault in FaultProperties().Where(IsFault))
        {
            Assert.Equal(
                fault.PropertyType.GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal),
                section.GetProperty(fault.Name).EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        // Bound as the tool binds it (unknown keys fail), every value is the options' default.
        var bound = new DevelopmentGatewayOptions();
        new ConfigurationBuilder().AddJsonFile(path).Build().GetSection("DevGateway").Bind(bound, o => o.ErrorOnUnknownConfiguration = true);
        var defaults = new GatewayFaultOptions();
        foreach (var property in typeof(GatewayFaultOptions).GetProperties())
        {
            if (IsFault(property))
            {
                foreach (var setting in property.PropertyType.GetProperties())
                {
                    Assert.Equal(Format(setting.GetValue(property.GetValue(defaults))), Format(setting.GetValue(property.GetValue(bound.Faults))));
                }
            }
            else
            {
                Assert.Equal(Format(property.GetValue(defaults)), Format(property.GetValue(bound.Faults)));
            }
        }
    }

    private static bool IsFault(PropertyInfo property) => property.PropertyType.FullName != null
        && (property.PropertyType.FullName == CommonOptionsTypeName || property.PropertyType.BaseType?.FullName == CommonOptionsTypeName);

    // Every setting of GatewayFaultOptions but the shared ones (Seed) is a fault.
    private static List<PropertyInfo> FaultProperties() =>
        typeof(GatewayFaultOptions).GetProperties().Where(p => p.Name != nameof(GatewayFaultOptions.Seed)).ToList();

    private static string Format(object? value) => value switch
    {
        null => "none",
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        string s => s,
        IEnumerable list => "[" + string.Join(", ", list.Cast<object>()) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "none",
    };

    private static string FirstName(string cell)
    {
        var match = CodeName().Match(cell);
        return match.Success ? match.Groups[1].Value : cell.Trim();
    }

    // The rows of the first table under "## Fault injection" whose header starts with the given text.
    private static List<string[]> TableRows(string header)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "development-gateway.md"));
        var section = Array.FindIndex(lines, l => l.StartsWith("## Fault injection", StringComparison.Ordinal));
        Assert.True(section >= 0, "docs/development-gateway.md has no '## Fault injection' section.");
        var start = Array.FindIndex(lines, section, l => l.StartsWith(header, StringComparison.Ordinal));
        Assert.True(start >= 0, $"docs/development-gateway.md has no table starting '{header}' under '## Fault injection'.");
        return lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => l.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray())
            .ToList();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TelemetryHosting.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (TelemetryHosting.sln) is not above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"`([A-Za-z]+)[^`]*`")]
    private static partial Regex CodeName();

    [GeneratedRegex(@"`(\w+)` = `([^`]*)`")]
    private static partial Regex SettingWithDefault();
}
