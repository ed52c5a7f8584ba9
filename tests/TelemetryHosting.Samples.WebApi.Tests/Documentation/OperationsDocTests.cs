using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Samples.WebApi.Tests.Documentation;

/// <summary>
/// docs/operations.md documents every instrument the library's meter publishes, with its kind and unit, and no
/// instrument that does not exist.
/// </summary>
public sealed partial class OperationsDocTests
{
    private const string Page = "docs/operations.md";

    [Fact]
    public void OperationsPage_Instruments_AreExactlyThoseTheMeterPublishes()
    {
        var published = PublishedInstruments().ToDictionary(instrument => instrument.Name, StringComparer.Ordinal);
        var documented = MetricRows().ToDictionary(row => row.Name, StringComparer.Ordinal);

        Assert.True(published.Count >= 14, $"only {published.Count} instruments published: {string.Join(", ", published.Keys.Order())}");
        Assert.True(published.Keys.ToHashSet().SetEquals(documented.Keys),
            $"Undocumented: {string.Join(", ", published.Keys.Except(documented.Keys).Order())}. " +
            $"Documented but not published: {string.Join(", ", documented.Keys.Except(published.Keys).Order())}.");
        var problems = new List<string>();
        foreach (var (name, instrument) in published)
        {
            var row = documented[name];
            if (row.Kind != Kind(instrument))
            {
                problems.Add($"{name}: the page says kind '{row.Kind}', the meter publishes '{Kind(instrument)}'");
            }

            if (row.Unit != $"`{instrument.Unit}`")
            {
                problems.Add($"{name}: the page says unit {row.Unit}, the meter publishes `{instrument.Unit}`");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void OperationsPage_InstrumentNames_AllExist()
    {
        var published = PublishedInstruments().Select(instrument => instrument.Name).ToHashSet(StringComparer.Ordinal);

        var mentioned = InstrumentName().Matches(Repository.Read(Page)).Select(match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(mentioned);
        Assert.True(mentioned.IsSubsetOf(published), $"Mentioned but not published: {string.Join(", ", mentioned.Except(published).Order())}.");
    }

    /// <summary>
    /// The instruments the meter publishes in a host with every feature that adds some: the recorder and its worker,
    /// persistence (the spill gauges) and ASP.NET Core enrichment. Resolving the services creates them; nothing connects.
    /// </summary>
    private static List<Instrument> PublishedInstruments()
    {
        var spill = Directory.CreateTempSubdirectory("operations-doc-");
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddTelemetryGateway(options =>
            {
                options.Endpoint = new Uri("http://127.0.0.1:1");
                options.ServiceId = "operations-doc";
                options.ServiceVersion = "1.0.0";
                options.Persistence.Directory = spill.FullName;
            }).AddAspNetCoreEnrichment();
            using var host = builder.Build();

            // Only this host's meters: tests running at the same time create their own.
            var scope = host.Services.GetRequiredService<IMeterFactory>();
            var instruments = new List<Instrument>();
            using var listener = new MeterListener
            {
                InstrumentPublished = (instrument, _) =>
                {
                    if (instrument.Meter.Name == TelemetryHostingInstruments.MeterName && ReferenceEquals(instrument.Meter.Scope, scope))
                    {
                        lock (instruments)
                        {
                            instruments.Add(instrument);
                        }
                    }
                },
            };
            listener.Start();
            _ = host.Services.GetServices<IHostedService>().ToList();
            _ = host.Services.GetRequiredService<ITelemetryRecorder>();
            lock (instruments)
            {
                return [.. instruments];
            }
        }
        finally
        {
            spill.Delete(recursive: true);
        }
    }

    /// <summary>How the page's table names an instrument's kind.</summary>
    private static string Kind(Instrument instrument) => instrument.GetType().GetGenericTypeDefinition().Name switch
    {
        "Counter`1" => "counter",
        "UpDownCounter`1" => "up-down counter",
        "Histogram`1" => "histogram",
        "Gauge`1" => "gauge",
        "ObservableCounter`1" => "observable counter",
        "ObservableUpDownCounter`1" => "observable up-down counter",
        "ObservableGauge`1" => "observable gauge",
        var other => other,
    };

    /// <summary>The rows of the page's instrument tables (headers "Instrument", "Kind", "Unit"): name, kind and unit as written.</summary>
    private static IEnumerable<(string Name, string Kind, string Unit)> MetricRows()
    {
        var inTable = false;
        foreach (var line in Repository.Read(Page).ReplaceLineEndings("\n").Split('\n'))
        {
            if (!line.StartsWith('|'))
            {
                inTable = false;
                continue;
            }

            var cells = line.Trim('|').Split('|').Select(cell => cell.Trim()).ToArray();
            if (cells is ["Instrument", "Kind", "Unit", ..])
            {
                inTable = true;
                continue;
            }

            if (inTable && cells.Length >= 3 && InstrumentCell().Match(cells[0]) is { Success: true } name)
            {
                yield return (name.Groups[1].Value, cells[1], cells[2]);
            }
        }
    }

    [GeneratedRegex(@"^`(telemetryhosting\.[a-z0-9_.]+)`$")]
    private static partial Regex InstrumentCell();

    [GeneratedRegex(@"`(telemetryhosting\.[a-z0-9_.]*[a-z0-9_])`")]
    private static partial Regex InstrumentName();
}
