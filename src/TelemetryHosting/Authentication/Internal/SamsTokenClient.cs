using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TelemetryHosting.Diagnostics.Internal;

namespace TelemetryHosting.Authentication.Internal;

/// <summary>
/// Requests access tokens from the SAMS token endpoint with the OAuth 2.0 client credentials grant (RFC 6749 section
/// 4.4). The client authenticates with HTTP Basic first; when the server rejects that, with form fields (section
/// 2.3.1), and keeps doing so once that worked.
/// </summary>
internal sealed class SamsTokenClient
{
    /// <summary>The name of the library's HTTP client for SAMS in the client factory.</summary>
    public const string HttpClientName = "TelemetryHosting.Sams";

    // SAMS documents an hour; a server that leaves expires_in out gets a short lease rather than an endless one.
    private static readonly TimeSpan LifetimeWhenUnknown = TimeSpan.FromMinutes(5);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Uri _tokenEndpoint;
    private readonly string _clientId;
    private readonly string _clientSecret;
    private readonly string _scope;
    private readonly TimeSpan _renewalMargin;
    private volatile bool _useFormAuthentication;

    public SamsTokenClient(
        IHttpClientFactory httpClientFactory,
        IOptions<TelemetryGatewayOptions> options,
        TimeProvider timeProvider,
        ILogger<SamsTokenClient> logger)
    {
        _httpClientFactory = httpClientFactory;
        _timeProvider = timeProvider;
        _logger = logger;
        var sams = options.Value.Sams;
        _tokenEndpoint = TokenEndpoint(sams);
        _clientId = sams.ClientId ?? string.Empty;
        _clientSecret = sams.ClientSecret ?? string.Empty;
        _scope = string.Join(' ', sams.Scopes);
        _renewalMargin = sams.TokenRenewalMargin;
    }

    public Uri Endpoint => _tokenEndpoint;

    /// <summary>Returns <c>{api url}/oauth/token</c>, the API URL being <c>ApiUrl</c> or else <c>Url</c>.</summary>
    public static Uri TokenEndpoint(TelemetryGatewaySamsOptions sams)
    {
        var api = sams.ApiUrl ?? sams.Url ?? new Uri(TelemetryGatewaySamsOptions.DefaultUrl);
        return new Uri(api.AbsoluteUri.TrimEnd('/') + "/oauth/token");
    }

    /// <summary>Requests a new token.</summary>
    /// <exception cref="SamsTokenException">No token was issued; the message says why, without the secret.</exception>
    public async Task<SamsAccessToken> RequestTokenAsync(CancellationToken cancellationToken)
    {
        var requestedAt = _timeProvider.GetTimestamp();
        Log.SamsTokenRequesting(_logger, _tokenEndpoint, _clientId, _scope);
        var client = _httpClientFactory.CreateClient(HttpClientName);
        try
        {
            if (!_useFormAuthentication)
            {
                using var basic = await SendAsync(client, useBasic: true, cancellationToken).ConfigureAwait(false);
                if (!IsClientAuthenticationRejected(basic.StatusCode))
                {
                    return await ReadTokenAsync(basic, requestedAt, cancellationToken).ConfigureAwait(false);
                }

                Log.SamsBasicAuthenticationRejected(_logger, _tokenEndpoint, (int)basic.StatusCode);
            }

            using var form = await SendAsync(client, useBasic: false, cancellationToken).ConfigureAwait(false);
            var token = await ReadTokenAsync(form, requestedAt, cancellationToken).ConfigureAwait(false);
            _useFormAuthentication = true;
            return token;
        }
        catch (HttpRequestException exception)
        {
            throw new SamsTokenException(
                SamsTokenFailure.Unavailable, $"The SAMS token endpoint {_tokenEndpoint} could not be reached: {exception.Message}", exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SamsTokenException(SamsTokenFailure.Unavailable, $"The SAMS token endpoint {_tokenEndpoint} did not answer in time.", exception);
        }
    }

    // RFC 6749 section 5.2: a server refusing the client's authentication method answers 401 (or 400) invalid_client.
    private static bool IsClientAuthenticationRejected(HttpStatusCode status) =>
        status is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest;

    private static string FormEncode(string value) => WebUtility.UrlEncode(value);

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, bool useBasic, CancellationToken cancellationToken)
    {
        var fields = new List<KeyValuePair<string, string>>(4)
        {
            new("grant_type", "client_credentials"),
            new("scope", _scope),
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, _tokenEndpoint);
        if (useBasic)
        {
            // RFC 6749 section 2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(FormEncode(_clientId) + ":" + FormEncode(_clientSecret)));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        }
        else
        {
            fields.Add(new("client_id", _clientId));
            fields.Add(new("client_secret", _clientSecret));
        }

        request.Content = new FormUrlEncodedContent(fields);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SamsAccessToken> ReadTokenAsync(HttpResponseMessage response, long requestedAt, CancellationToken cancellationToken)
    {
        if ((int)response.StatusCode is >= 300 and < 400)
        {
            // Never followed (see the client's registration): the secret goes to the configured endpoint only.
            var location = response.Headers.Location is { } target ? $" to {Printable(target.OriginalString)}" : string.Empty;
            throw new SamsTokenException(
                SamsTokenFailure.Refused,
                $"The SAMS token endpoint {_tokenEndpoint} answered HTTP {(int)response.StatusCode} with a redirect{location}, which is not followed: " +
                "client credentials are sent to the configured address only. Set Sams:Url (or Sams:ApiUrl) to the address that issues tokens.");
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw Refusal(response.StatusCode, body);
        }

        string? accessToken = null;
        string? tokenType = null;
        long? expiresIn = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                accessToken = root.TryGetProperty("access_token", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                tokenType = root.TryGetProperty("token_type", out value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                if (root.TryGetProperty("expires_in", out value))
                {
                    // Some servers send the number as a string.
                    expiresIn = value.ValueKind switch
                    {
                        JsonValueKind.Number when value.TryGetInt64(out var seconds) => seconds,
                        JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) => seconds,
                        _ => null,
                    };
                }
            }
        }
        catch (JsonException)
        {
            // Reported below as a response without a token; the body itself is never repeated.
        }

        if (string.IsNullOrEmpty(accessToken))
        {
            throw new SamsTokenException(SamsTokenFailure.Unavailable, $"The SAMS token endpoint {_tokenEndpoint} answered without an access_token.");
        }

        if (tokenType is not null && !tokenType.Equals("bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw new SamsTokenException(
                SamsTokenFailure.Refused, $"The SAMS token endpoint {_tokenEndpoint} issued a token of type '{Printable(tokenType)}', not a bearer token.");
        }

        var lifetime = expiresIn is > 0 ? TimeSpan.FromSeconds(expiresIn.Value) : LifetimeWhenUnknown;
        var margin = _renewalMargin < lifetime / 2 ? _renewalMargin : lifetime / 2;
        var token = new SamsAccessToken(accessToken, requestedAt, lifetime, lifetime - margin);
        Log.SamsTokenObtained(_logger, _clientId, lifetime);
        return token;
    }

    private SamsTokenException Refusal(HttpStatusCode status, byte[] body)
    {
        string? error = null;
        string? description = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                error = document.RootElement.TryGetProperty("error", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                description = document.RootElement.TryGetProperty("error_description", out value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            }
        }
        catch (JsonException)
        {
            // Not an OAuth error body: only the status is reported.
        }

        // Server errors, rate limiting and "temporarily_unavailable" pass; any other refusal is a configuration problem.
        var failure = (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || error == "temporarily_unavailable"
            ? SamsTokenFailure.Unavailable
            : SamsTokenFailure.Refused;
        var hint = error switch
        {
            "invalid_client" => " Check Sams:ClientId and Sams:ClientSecret.",
            "invalid_scope" or "unauthorized_client" => " Check that the client is allowed the scopes in Sams:Scopes.",
            _ => string.Empty,
        };
        var reason = error is null
            ? string.Empty
            : description is null ? $": {Printable(error)}" : $": {Printable(error)} ({Printable(description)})";
        return new SamsTokenException(
            failure,
            $"The SAMS token endpoint {_tokenEndpoint} refused the token request for client {_clientId} with HTTP {(int)status}{reason}.{hint}");
    }

    // Text from the server goes into exception messages and logs: bounded, single-line, and never the secret.
    private string Printable(string text)
    {
        if (_clientSecret.Length > 0)
        {
            text = text.Replace(_clientSecret, "***", StringComparison.Ordinal);
        }

        text = text.ReplaceLineEndings(" ");
        return text.Length > 200 ? text[..200] + "..." : text;
    }
}
