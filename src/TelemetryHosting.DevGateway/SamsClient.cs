namespace TelemetryHosting.DevGateway;

/// <summary>A client registered with the SAMS emulator: its credentials and the scopes it may request.</summary>
public sealed class SamsClient
{
    /// <summary>Gets or sets the client id, by convention <c>sams_cid_...</c>.</summary>
    /// <value>The default value is an empty string.</value>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>Gets or sets the client secret, by convention <c>sams_cs_...</c>.</summary>
    /// <value>The default value is an empty string.</value>
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>Gets the scopes this client may request, in the form <c>service::permission::action</c>.</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> Scopes { get; } = [];
}
