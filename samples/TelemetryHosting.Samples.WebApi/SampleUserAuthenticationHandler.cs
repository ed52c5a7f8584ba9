using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace TelemetryHosting.Samples.WebApi;

/// <summary>
/// SAMPLE ONLY — NOT AUTHENTICATION. Trusts whoever the <c>X-Sample-User</c> header names, so that the sample's
/// client event endpoint can require an authenticated user without a SAMS login. A real service authenticates with
/// SAMS (OpenID Connect or SAMS access tokens), whose <c>sub</c> claim is the user's SAMS external id.
/// </summary>
public sealed class SampleUserAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SampleUser";
    public const string Header = "X-Sample-User";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values) || string.IsNullOrWhiteSpace(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // The header's value stands in for the SAMS external id a real login would put in the sub claim.
        var identity = new ClaimsIdentity([new Claim("sub", values[0]!)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
