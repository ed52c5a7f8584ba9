using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TelemetryHosting.DevGateway.Internal;

/// <summary>
/// <c>POST /oauth/token</c> of the SAMS emulator: the OAuth 2.0 client credentials grant (RFC 6749 sections 4.4 and
/// 5), with client authentication by HTTP Basic or form fields (section 2.3.1).
/// </summary>
internal static class SamsTokenEndpoint
{
    /// <summary>The longest <c>scope</c> parameter taken: SAMS scopes are short, and a client asks for a few.</summary>
    internal const int MaxScopeLength = 4096;

    public const string Path = "/oauth/token";

    public static async Task HandleAsync(HttpContext context, SamsEmulator sams, ILogger logger)
    {
        sams.CountTokenRequest();
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";

        if (sams.Outage)
        {
            await WriteErrorAsync(context, logger, StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "the SAMS emulator is simulating an outage").ConfigureAwait(false);
            return;
        }

        if (!context.Request.HasFormContentType)
        {
            await WriteErrorAsync(context, logger, StatusCodes.Status400BadRequest, "invalid_request", "the request body must be application/x-www-form-urlencoded").ConfigureAwait(false);
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        foreach (var field in form)
        {
            if (field.Value.Count > 1)
            {
                await WriteErrorAsync(context, logger, StatusCodes.Status400BadRequest, "invalid_request", $"parameter {field.Key} is given more than once").ConfigureAwait(false);
                return;
            }
        }

        var grantType = form["grant_type"].ToString();
        if (grantType.Length == 0)
        {
            await WriteErrorAsync(context, logger, StatusCodes.Status400BadRequest, "invalid_request", "grant_type is required").ConfigureAwait(false);
            return;
        }

        var (client, failure) = AuthenticateClient(context, form, sams);
        if (failure is not null)
        {
            await WriteErrorAsync(context, logger, failure.Value.Status, failure.Value.Error, failure.Value.Description, failure.Value.Challenge).ConfigureAwait(false);
            return;
        }

        if (grantType != "client_credentials")
        {
            await WriteErrorAsync(context, logger, StatusCodes.Status400BadRequest, "unsupported_grant_type", $"grant_type {grantType} is not supported; use client_credentials").ConfigureAwait(false);
            return;
        }

        // Each token keeps its scopes: their size is bounded, so that the store's cap on tokens bounds its memory.
        var scopeText = form["scope"].ToString();
        if (scopeText.Length > MaxScopeLength)
        {
            await WriteErrorAsync(context, logger, StatusCodes.Status400BadRequest, "invalid_scope", $"scope is longer than {MaxScopeLength} characters").ConfigureAwait(false);
            return;
        }

        var requested = scopeText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var scope in requested)
        {
            // A malformed scope covers nothing.
            if (!ScopeMatcher.AnyCovers(client!.Scopes, scope))
            {
                await WriteErrorAsync(context, logger, StatusCodes.Status400BadRequest, "invalid_scope", $"scope {scope} is not allowed for this client").ConfigureAwait(false);
                return;
            }
        }

        // No scope parameter: the client's allowed scopes (RFC 6749 section 3.3 lets the server pick a default).
        IReadOnlyList<string> granted = requested.Length > 0 ? requested.Distinct(StringComparer.Ordinal).ToArray() : [.. client!.Scopes];
        var issued = sams.Issue(client!.ClientId, granted, sams.TokenLifetime);
        var scopes = string.Join(' ', granted);
        Log.TokenIssued(logger, client.ClientId, scopes);

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await WriteJsonAsync(response, writer =>
        {
            writer.WriteString("access_token", issued.Token);
            writer.WriteString("token_type", "bearer");
            writer.WriteNumber("expires_in", (long)issued.Lifetime.TotalSeconds);
            writer.WriteString("scope", scopes);
        }).ConfigureAwait(false);
    }

    /// <summary>Any method but POST: 405, with <c>Allow: POST</c> (RFC 6749 section 3.2).</summary>
    public static void RefuseMethod(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        context.Response.Headers.Allow = "POST";
    }

    private static (SamsClient? Client, Failure? Failure) AuthenticateClient(HttpContext context, IFormCollection form, SamsEmulator sams)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var basic = authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);
        var formSecret = form.ContainsKey("client_secret");

        // RFC 6749 section 2.3: a client must not use more than one authentication method in a request.
        if (basic && formSecret)
        {
            return (null, new Failure(StatusCodes.Status400BadRequest, "invalid_request", "more than one client authentication method was used", Challenge: false));
        }

        string clientId;
        string clientSecret;
        if (basic)
        {
            if (!sams.AcceptBasicAuth)
            {
                return (null, new Failure(StatusCodes.Status401Unauthorized, "invalid_client", "HTTP Basic client authentication is not accepted; send client_id and client_secret in the form body", Challenge: false));
            }

            if (!TryDecodeBasic(authorization["Basic ".Length..].Trim(), out clientId, out clientSecret))
            {
                return (null, new Failure(StatusCodes.Status401Unauthorized, "invalid_client", "malformed HTTP Basic client credentials", Challenge: true));
            }
        }
        else if (formSecret)
        {
            clientId = form["client_id"].ToString();
            clientSecret = form["client_secret"].ToString();
        }
        else
        {
            return (null, new Failure(StatusCodes.Status401Unauthorized, "invalid_client", "client authentication is required", Challenge: true));
        }

        if (!sams.TryGetClient(clientId, out var client) || !SecretsEqual(client.ClientSecret, clientSecret))
        {
            return (null, new Failure(StatusCodes.Status401Unauthorized, "invalid_client", "client authentication failed", Challenge: basic));
        }

        return (client, null);
    }

    // Basic credentials are base64(urlencode(id) ":" urlencode(secret)) (RFC 6749 section 2.3.1).
    private static bool TryDecodeBasic(string encoded, out string clientId, out string clientSecret)
    {
        clientId = clientSecret = string.Empty;
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out var length))
        {
            return false;
        }

        var decoded = Encoding.UTF8.GetString(bytes, 0, length);
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        clientId = WebUtility.UrlDecode(decoded[..colon]);
        clientSecret = WebUtility.UrlDecode(decoded[(colon + 1)..]);
        return true;
    }

    private static bool SecretsEqual(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    private static async Task WriteErrorAsync(HttpContext context, ILogger logger, int status, string error, string description, bool challenge = false)
    {
        Log.TokenRequestRefused(logger, error, description);
        var response = context.Response;
        response.StatusCode = status;
        if (challenge)
        {
            response.Headers.WWWAuthenticate = "Basic realm=\"sams\"";
        }

        response.ContentType = "application/json";
        await WriteJsonAsync(response, writer =>
        {
            writer.WriteString("error", error);
            writer.WriteString("error_description", description);
        }).ConfigureAwait(false);
    }

    private static async Task WriteJsonAsync(HttpResponse response, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
    }

    private readonly record struct Failure(int Status, string Error, string Description, bool Challenge);
}
