using System.Net;
using TelemetryHosting.AspNetCore.Tests.TestSupport;

namespace TelemetryHosting.AspNetCore.Tests.ClientEvents;

/// <summary>
/// The message a rejected event gets, for what the serializer refuses (types, unknown and duplicate properties, text
/// that does not decode): it names the client's property, never a .NET type. Each case is one bad event after a good one.
/// </summary>
public sealed class ClientEventMessageTests(ClientEventCorpusTests.Fixture fixture) : IClassFixture<ClientEventCorpusTests.Fixture>
{
    [Theory]
    [InlineData("""{ "\ud800": 1 }""", "An event has a property name that is not valid Unicode text.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "\udc00": 1 }""", "An event has a property name that is not valid Unicode text.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "client": { "\ud800": "web" } }""", "'client' has a property name that is not valid Unicode text.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "client": { "name": "web", "version": "\udc00" } }""", "'client.version' is not valid Unicode text.")]
    [InlineData("""{ "feature": "web.\ud800", "action": "view" }""", "'feature' is not valid Unicode text.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "metadata": { "\ud800": 1 } }""", "'metadata' keys must be valid Unicode text of at most 256 characters.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "privateMetadata": { "\ud800": 1 } }""", "'privateMetadata' keys must be valid Unicode text of at most 256 characters.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "feature": "web.b" }""", "Property 'feature' appears more than once.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "\u0061ction": "edit" }""", "Property 'action' appears more than once.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "metadata": { "k": 1, "k": 2 } }""", "'metadata.k' appears more than once.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "privateMetadata": { "a": { "k": 1, "k": 2 } } }""", "'privateMetadata' has the key 'k' more than once at one level.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "metdata": { "k": 1 } }""", "Unknown property 'metdata'; an event has 'feature', 'action', 'timestamp', 'metadata', 'privateMetadata' and 'client'.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "client": { "name": "web", "nme": "x" } }""", "Unknown property 'client.nme'; 'client' must be an object { \"name\": \"web\", \"version\": \"1.2.3\" } with a name.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "client": { "name": 1 } }""", "'client.name' must be a string.")]
    [InlineData("""{ "feature": "web.a", "action": "view", "metadata": { "k": 1e400 } }""", "'metadata.k' must be a finite number (use 1 and 0 for booleans).")]
    public async Task Post_EventTheSerializerRefuses_RejectedAloneWithItsMessage(string json, string message)
    {
        fixture.App.Recorder.Clear();

        using var response = await fixture.App.PostAsync($$"""{ "events": [ { "feature": "web.ok", "action": "view" }, {{json}} ] }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ClientEventsApp.ReadJsonAsync(response);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(1, error.GetProperty("index").GetInt32());
        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal("web.ok", Assert.Single(fixture.App.Recorder.Events).Feature);
    }

    [Theory]
    [InlineData("""{ "\udc00": 1 }""")]
    [InlineData("""{ "events": [], "\ud800": 1 }""")]
    public async Task Post_LoneSurrogateInTopLevelName_Answers400NamingTheProblem(string json)
    {
        using var response = await fixture.App.PostAsync(json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ClientEventsApp.ReadJsonAsync(response);
        Assert.Contains("escaped lone surrogate", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
