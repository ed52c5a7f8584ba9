using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using TelemetryHosting.AspNetCore;

namespace TelemetryHosting.Samples.WebApi.Tests.Documentation;

/// <summary>
/// docs/configuration.md documents every public option of every options class, and nothing else; where a default is a
/// number, a flag or a duration, the documented default is the one the class sets.
/// </summary>
public sealed partial class ConfigurationDocTests
{
    private const string Page = "docs/configuration.md";

    // Each options class and how its options are named in the page's tables (sub-sections of TelemetryGateway with their prefix).
    private static readonly (Type Type, string Prefix, object Defaults)[] OptionClasses =
    [
        (typeof(TelemetryGatewayOptions), string.Empty, new TelemetryGatewayOptions()),
        (typeof(TelemetryGatewaySamsOptions), "Sams:", new TelemetryGatewaySamsOptions()),
        (typeof(TelemetryGatewayPersistenceOptions), "Persistence:", new TelemetryGatewayPersistenceOptions()),
        (typeof(TelemetryAspNetCoreOptions), string.Empty, new TelemetryAspNetCoreOptions()),
        (typeof(TelemetryClientEventsOptions), string.Empty, new TelemetryClientEventsOptions()),
        (typeof(TelemetryGatewayHealthCheckOptions), string.Empty, new TelemetryGatewayHealthCheckOptions()),
    ];

    [Fact]
    public void ConfigurationPage_Options_AreExactlyThePublicOptions()
    {
        var documented = OptionRows().Select(row => row.Name).ToHashSet(StringComparer.Ordinal);
        var expected = OptionClasses.SelectMany(options => Options(options.Type).Select(property => options.Prefix + property.Name)).ToHashSet(StringComparer.Ordinal);

        Assert.True(expected.Count > 40, $"only {expected.Count} options found by reflection");
        Assert.True(expected.SetEquals(documented),
            $"Undocumented: {string.Join(", ", expected.Except(documented).Order())}. Documented but no such option: {string.Join(", ", documented.Except(expected).Order())}.");
    }

    [Fact]
    public void ConfigurationPage_Defaults_MatchTheOptionClasses()
    {
        var rows = OptionRows().GroupBy(row => row.Name).ToDictionary(group => group.Key, group => group.First().Default, StringComparer.Ordinal);
        var problems = new List<string>();
        var checkedDefaults = 0;
        foreach (var (type, prefix, defaults) in OptionClasses)
        {
            foreach (var property in Options(type))
            {
                if (!rows.TryGetValue(prefix + property.Name, out var cell) || Forms(property.GetValue(defaults)) is not { } forms)
                {
                    continue;
                }

                checkedDefaults++;
                if (!forms.Any(form => cell.Contains(form, StringComparison.Ordinal)))
                {
                    problems.Add($"{prefix}{property.Name}: the default is {string.Join(" or ", forms)}, the page says '{cell}'");
                }
            }
        }

        Assert.True(checkedDefaults > 30, $"only {checkedDefaults} defaults compared");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static IEnumerable<PropertyInfo> Options(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.PropertyType != typeof(TelemetryGatewaySamsOptions) && property.PropertyType != typeof(TelemetryGatewayPersistenceOptions));

    /// <summary>The ways the page may write a default: numbers with or without thousands separators, flags in code, durations in their largest whole unit.</summary>
    private static string[]? Forms(object? value) => value switch
    {
        bool flag => [flag ? "`true`" : "`false`"],
        int number => [number.ToString("N0", CultureInfo.InvariantCulture), number.ToString(CultureInfo.InvariantCulture)],
        long number => [number.ToString("N0", CultureInfo.InvariantCulture), number.ToString(CultureInfo.InvariantCulture)],
        double number => [number.ToString(CultureInfo.InvariantCulture)],
        TimeSpan duration => Durations(duration),
        _ => null,
    };

    private static string[] Durations(TimeSpan duration)
    {
        var forms = new List<string>();
        if (duration.TotalDays >= 1 && duration.TotalDays == Math.Floor(duration.TotalDays))
        {
            forms.Add($"{duration.TotalDays:0} days");
        }

        if (duration.TotalHours >= 1 && duration.TotalHours == Math.Floor(duration.TotalHours))
        {
            forms.Add($"{duration.TotalHours:0} h");
        }

        if (duration.TotalMinutes >= 1 && duration.TotalMinutes == Math.Floor(duration.TotalMinutes))
        {
            forms.Add($"{duration.TotalMinutes:0} min");
        }

        if (duration.TotalSeconds == Math.Floor(duration.TotalSeconds))
        {
            forms.Add($"{duration.TotalSeconds:0} s");
        }

        return [.. forms];
    }

    /// <summary>The rows of the page's option tables (tables whose first header is "Option"): the option and its default.</summary>
    private static IEnumerable<(string Name, string Default)> OptionRows()
    {
        var inOptionTable = false;
        foreach (var line in Repository.Read(Page).ReplaceLineEndings("\n").Split('\n'))
        {
            if (!line.StartsWith('|'))
            {
                inOptionTable = false;
                continue;
            }

            var cells = line.Trim('|').Split('|').Select(cell => cell.Trim()).ToArray();
            if (cells[0] == "Option")
            {
                inOptionTable = true;
                continue;
            }

            if (inOptionTable && OptionName().Match(cells[0]) is { Success: true } name)
            {
                yield return (name.Groups[1].Value, cells.Length > 1 ? cells[1] : string.Empty);
            }
        }
    }

    [GeneratedRegex(@"^`([\w:]+)`$")]
    private static partial Regex OptionName();
}
