namespace TelemetryHosting.Authentication.Internal;

/// <summary>Why a token request failed, which decides how loudly it is reported.</summary>
internal enum SamsTokenFailure
{
    /// <summary>SAMS could not be reached or answered with a server error: it passes.</summary>
    Unavailable,

    /// <summary>SAMS refused the request (wrong client id or secret, scopes not allowed): a configuration error.</summary>
    Refused,
}
