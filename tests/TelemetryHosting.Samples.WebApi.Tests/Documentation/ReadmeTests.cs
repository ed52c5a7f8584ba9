using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TelemetryHosting.DevGateway;
using TelemetryHosting.Samples.WebApi.Tests.ClientEvents;

namespace TelemetryHosting.Samples.WebApi.Tests.Documentation;

/// <summary>
/// The README stays a ten-minute page, and its two commands work as written: the test command is what CI runs, the
/// sample command names the sample, and the curl lines, sent to the sample, record events that reach a development
/// gateway.
/// </summary>
public sealed class ReadmeTests(SampleGatewayFactory factory) : IClassFixture<SampleGatewayFactory>
{
    private const int MaxReadmeBytes = 10_240;

    [Fact]
    public void Readme_Size_AtMost10KiB()
    {
        var size = new FileInfo(Repository.FullPath("README.md")).Length;

        Assert.True(size <= MaxReadmeBytes, $"README.md is {size} bytes, more than {MaxReadmeBytes}: move reference material into docs/.");
    }

    [Fact]
    public void Readme_TestCommand_IsExactlyWhatCiRuns()
    {
        var testCommand = ReadmeCommands.Read().TestCommand;
        var script = testCommand["bash ".Length..];

        Assert.True(Repository.Exists(script), $"The README's test command runs {script}, which does not exist.");
        var ciCommands = Repository.Read(".ci/run").Split('\n').Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#') && !line.StartsWith("set ", StringComparison.Ordinal) && !line.StartsWith("cd ", StringComparison.Ordinal))
            .ToList();
        Assert.Equal([testCommand], ciCommands);
    }

    [Fact]
    public void Readme_SampleCommand_RunsThisSampleOnTheAddressTheCurlLinesUse()
    {
        var commands = ReadmeCommands.Read();
        var words = commands.SampleCommand.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["dotnet", "run", "--project"], words[..3]);
        var project = words[3];

        var projectFile = Path.Combine(project, Path.GetFileName(project) + ".csproj");
        Assert.True(Repository.Exists(projectFile), $"The README's sample command runs {project}, which holds no {Path.GetFileName(projectFile)}.");
        Assert.Equal(typeof(Program).Assembly.GetName().Name, Path.GetFileName(project));

        // dotnet run listens where the project's launch profile says; the curl lines must call that address.
        using var launchSettings = JsonDocument.Parse(Repository.Read(Path.Combine(project, "Properties", "launchSettings.json")));
        var profile = launchSettings.RootElement.GetProperty("profiles").EnumerateObject().First().Value;
        var listening = new Uri(profile.GetProperty("applicationUrl").GetString()!.Split(';')[0]);
        Assert.NotEmpty(commands.CurlCommands);
        Assert.All(commands.CurlCommands, command => Assert.Equal(listening.GetLeftPart(UriPartial.Authority), Curl.Parse(command).Url.GetLeftPart(UriPartial.Authority)));
    }

    [Fact]
    public void Readme_EventsPageAddress_IsTheDevelopmentGatewaysDefault()
    {
        var readme = Repository.Read("README.md");
        var block = Markdown.ShellBlocks(readme).First(block => block.Text.Contains("dotnet run ", StringComparison.Ordinal)).Text;

        Assert.Contains($"http://127.0.0.1:{DevelopmentGateway.DefaultWebPort}/", block, StringComparison.Ordinal);
        Assert.Contains($"http://127.0.0.1:{DevelopmentGateway.DefaultWebPort}/api/events", block, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readme_CurlLines_AreAnsweredBySampleAndTheirEventsReachTheGateway()
    {
        var curls = ReadmeCommands.Read().CurlCommands.Select(Curl.Parse).ToList();
        Assert.NotEmpty(curls);

        foreach (var curl in curls)
        {
            using var client = factory.CreateClient();
            using var request = curl.ToRequest();
            // Only this command's events count: the gateway forgets the previous ones' (and the sample's start-up).
            await factory.Services.GetRequiredService<ITelemetryRecorder>().FlushWithinLimitAsync();
            factory.Gateway.Events.Clear();

            using var response = await client.SendAsync(request);

            var answer = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{curl.Method} {curl.Url} answered {(int)response.StatusCode}: {answer}");
            var flushed = await factory.Services.GetRequiredService<ITelemetryRecorder>().FlushWithinLimitAsync();
            Assert.True(flushed.IsComplete, $"after {curl.Url}: {flushed}");
            var received = factory.Gateway.Events.Snapshot().ToList();
            Assert.NotEmpty(received);

            // What the command sends must show in what the gateway received.
            var interactionId = curl.Headers.FirstOrDefault(header => header.Name.Equals("X-Sourcegraph-Interaction-ID", StringComparison.OrdinalIgnoreCase)).Value;
            if (interactionId is not null)
            {
                Assert.Contains(received, ev => InteractionIdOf(ev) == interactionId);
            }

            if (curl.Body is not null && response.StatusCode == HttpStatusCode.Accepted)
            {
                using var body = JsonDocument.Parse(curl.Body);
                foreach (var sent in body.RootElement.GetProperty("events").EnumerateArray())
                {
                    var feature = sent.GetProperty("feature").GetString();
                    var action = sent.GetProperty("action").GetString();
                    Assert.Contains(received, ev => ev.Feature == feature && ev.Action == action);
                }
            }
        }
    }

    private static string? InteractionIdOf(ReceivedEvent received)
    {
        using var document = JsonDocument.Parse(received.Json);
        return document.RootElement.GetProperty("event").TryGetProperty("interaction", out var interaction)
            && interaction.TryGetProperty("interactionId", out var id) ? id.GetString() : null;
    }
}
