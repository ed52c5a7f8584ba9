using System.Net;
using System.Text;

namespace TelemetryHosting.DevGateway.Tests.Review;

/// <summary>Review of issue 20's merged changes to the development gateway (fails on main at f966bce).</summary>
public sealed class Issue20ReviewTests
{
    /// <summary>
    /// Finding: the 10,000-token cap bounds how many tokens are kept, not their size. A scope is any dotted child of
    /// an allowed one, so one request can be granted thousands of distinct scopes (up to the 4 MiB form value limit), all
    /// kept with the token and written back in the answer: 10,000 such tokens are tens of GB.
    /// </summary>
    [Fact]
    public async Task TokenEndpoint_ThousandsOfDistinctScopesInOneRequest_IsRefusedOrBounded()
    {
        await using var gateway = await DevelopmentGateway.StartAsync(new DevelopmentGatewayOptions());
        var scopes = string.Join(' ', Enumerable.Range(0, 20_000).Select(i => "telemetry_gateway::events." + Letters(i) + "::write"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = DevelopmentGatewayOptions.DefaultClientId,
            ["client_secret"] = DevelopmentGatewayOptions.DefaultClientSecret,
            ["scope"] = scopes,
        });

        using var response = await http.PostAsync(gateway.Sams.TokenEndpoint, form);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(
            response.StatusCode != HttpStatusCode.OK || body.Length < 64 * 1024,
            $"HTTP {(int)response.StatusCode}: a token granted with {scopes.Length} characters of scopes, a {body.Length}-character answer, kept in memory with the token");
    }

    private static string Letters(int value)
    {
        var builder = new StringBuilder();
        do
        {
            builder.Insert(0, (char)('a' + (value % 26)));
            value /= 26;
        }
        while (value > 0);
        return builder.ToString();
    }
}
