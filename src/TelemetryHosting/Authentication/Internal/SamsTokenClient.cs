using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TelemetryHosting.Diagnostics.Internal;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Authentication.Internal;

/// <summary>
/// Requests access tokens from the SAMS token endpoint with the OAuth 2.0 client credentials grant (RFC 6749 section
/// 4.4). The client authenticates with HTTP Basic first; when the server rejects that, with form fields (section
/// 2.3.1), and keeps doing so once that worked.
/// </summary>
internal sealed partial class SamsTokenClient
{
    /// <summary>The name of the library's HTTP client for SAMS in the client factory.</summary>
    public const string HttpClientName = "TelemetryHosting.Sams";

    /// <summary>The most of a token response that is read: a token response is a few hundred bytes.</summary>
    public const int MaxResponseBytes = 64 * 1024;

    /// <summary>How long the client waits for the token endpoint's answer, headers and body each.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest a token is used, whatever <c>expires_in</c> says (SAMS documents an hour).</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(24);

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
    private readonly string[] _secretForms;
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
        _secretForms = SecretForms(_clientId, _clientSecret);
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
            // The message can quote the server (an invalid status or header line, which may echo the credentials): it is
            // printed like the server's own text, and the raw exception is not kept, since loggers (Polly's among them)
            // print an exception's whole chain. What is kept is a cleaned copy, without its inner exceptions.
            var message = Printable(exception.Message);
            throw new SamsTokenException(
                SamsTokenFailure.Unavailable,
                $"The SAMS token endpoint {_tokenEndpoint} could not be reached: {message}",
                new HttpRequestException(exception.HttpRequestError, message, inner: null, exception.StatusCode));
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
        // Headers only: the body is read by ReadBodyAsync, which stops at MaxResponseBytes.
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
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

        var body = await ReadBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // An error answer too large to be an OAuth error (a proxy's page) is reported by its status alone.
            throw Refusal(response.StatusCode, body ?? []);
        }

        if (body is null)
        {
            throw new SamsTokenException(
                SamsTokenFailure.Refused,
                $"The SAMS token endpoint {_tokenEndpoint} answered HTTP {(int)response.StatusCode} with a response over {MaxResponseBytes / 1024} KiB, " +
                "which is not read further: a token response is a few hundred bytes. Check that Sams:Url (or Sams:ApiUrl) is the SAMS address.");
        }

        string? accessToken = null;
        string? tokenType = null;
        JsonElement? expiresIn = null;
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
                    expiresIn = value.Clone();
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

        var lifetime = Lifetime(expiresIn);
        var margin = _renewalMargin < lifetime / 2 ? _renewalMargin : lifetime / 2;
        var token = new SamsAccessToken(accessToken, requestedAt, lifetime, lifetime - margin);
        Log.SamsTokenObtained(_logger, _clientId, lifetime);
        return token;
    }

    /// <summary>
    /// Reads at most <see cref="MaxResponseBytes"/> of the body, within <see cref="RequestTimeout"/> (the client's
    /// timeout ends when the headers arrive). Returns <see langword="null"/> when the body is larger; the rest is never
    /// read (disposing the response closes the connection).
    /// </summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is > MaxResponseBytes)
        {
            return null;
        }

        using var deadline = new CancellationTokenSource(RequestTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var stream = await content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(MaxResponseBytes + 1);
            try
            {
                var length = 0;
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(length, MaxResponseBytes + 1 - length), linked.Token).ConfigureAwait(false)) > 0)
                {
                    length += read;
                    if (length > MaxResponseBytes)
                    {
                        return null;
                    }
                }

                return buffer.AsSpan(0, length).ToArray();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// The token's lifetime from <c>expires_in</c> (seconds, a number or a numeric string): at most
    /// <see cref="MaxLifetime"/>; five minutes when absent; a refusal naming the value when it is not positive or not a
    /// number, since such a token cannot be used and retrying would hide why.
    /// </summary>
    private TimeSpan Lifetime(JsonElement? expiresIn)
    {
        if (expiresIn is not { ValueKind: not JsonValueKind.Null } value)
        {
            return LifetimeWhenUnknown;
        }

        var seconds = double.NaN;
        string shown;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                shown = value.GetRawText();
                if (!value.TryGetDouble(out seconds))
                {
                    seconds = double.NaN;
                }

                break;
            case JsonValueKind.String:
                shown = value.GetString() ?? string.Empty;
                if (!double.TryParse(shown, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out seconds))
                {
                    seconds = double.NaN;
                }

                break;
            default:
                shown = value.GetRawText();
                break;
        }

        if (!double.IsFinite(seconds))
        {
            throw new SamsTokenException(
                SamsTokenFailure.Refused,
                $"The SAMS token endpoint {_tokenEndpoint} issued a token with expires_in {Printable(shown)}, which is not a number of seconds.");
        }

        // Below a second (1e-300 among them) a token would be expired when it arrives: every export would ask for another.
        if (seconds < 1)
        {
            throw new SamsTokenException(
                SamsTokenFailure.Refused,
                $"The SAMS token endpoint {_tokenEndpoint} issued a token with expires_in {Printable(shown)}: a token that has already expired cannot be used.");
        }

        return seconds >= MaxLifetime.TotalSeconds ? MaxLifetime : TimeSpan.FromSeconds(seconds);
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

    /// <summary>
    /// Text from the server goes into exception messages, and from there into logs, the gRPC status of the failed
    /// export and the health check: never the secret (in any form it was sent in, or any <c>sams_cs_</c> or
    /// <c>sams_at_</c> credential), escaped and clipped.
    /// </summary>
    private string Printable(string text) => LogText.Escape(Redact(text), maxLength: 200);

    private string Redact(string text)
    {
        foreach (var form in _secretForms)
        {
            text = text.Replace(form, "***", StringComparison.OrdinalIgnoreCase);
        }

        text = Credential().Replace(text, "$1***");

        // A form not foreseen above (another escaping, a mix of them): whatever the value says, it is withheld.
        return _clientSecret.Length > 0 && Decodings(text).Any(decoded => decoded.Contains(_clientSecret, StringComparison.OrdinalIgnoreCase))
            ? "(withheld: it contains the client secret)"
            : text;
    }

    /// <summary>
    /// The secret as it may come back from an endpoint that echoes what it was sent: as written, form-encoded (the body),
    /// percent-encoded, JSON-escaped (strict and relaxed, with or without <c>\/</c>), and inside the Basic credentials.
    /// Longest first, so that a form containing another is replaced whole. Matched ignoring case (percent and
    /// <c>\u</c> escapes come in either case).
    /// </summary>
    private static string[] SecretForms(string clientId, string secret)
    {
        if (secret.Length == 0)
        {
            return [];
        }

        var relaxed = JsonEncodedText.Encode(secret, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value;
        var forms = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            secret,
            FormEncode(secret),
            Uri.EscapeDataString(secret),
            Uri.EscapeDataString(secret).Replace("%20", "+", StringComparison.Ordinal),
            JsonEncodedText.Encode(secret).Value,
            relaxed,
            relaxed.Replace("/", @"\/", StringComparison.Ordinal),
            Convert.ToBase64String(Encoding.UTF8.GetBytes(FormEncode(clientId) + ":" + FormEncode(secret))),
            Convert.ToBase64String(Encoding.UTF8.GetBytes(clientId + ":" + secret)),
            Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)),
        };
        return [.. forms.OrderByDescending(form => form.Length)];
    }

    private static IEnumerable<string> Decodings(string text)
    {
        yield return text;
        yield return WebUtility.UrlDecode(text);
        yield return Uri.UnescapeDataString(text);
        string? unescaped;
        try
        {
            unescaped = Regex.Unescape(text);
        }
        catch (ArgumentException)
        {
            unescaped = null;
        }

        if (unescaped is not null)
        {
            yield return unescaped;
            yield return WebUtility.UrlDecode(unescaped);
        }
    }

    // A SAMS client secret or access token, in whatever encoding: the prefix survives URL and JSON escaping.
    [GeneratedRegex(@"(sams_(?:cs|at)_)[^\s""',;&<>(){}\[\]]*", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Credential();
}
