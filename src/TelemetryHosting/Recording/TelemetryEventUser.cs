namespace TelemetryHosting;

/// <summary>The user an event is about. Unset properties are left out of the event.</summary>
public sealed class TelemetryEventUser
{
    /// <summary>
    /// Gets the user's SAMS (Sourcegraph Accounts) external id, the way managed services identify users.
    /// The default value is <see langword="null"/>.
    /// </summary>
    public string? SamsExternalId { get; init; }

    /// <summary>Gets an anonymous user id. The default value is <see langword="null"/>.</summary>
    public string? AnonymousUserId { get; init; }

    /// <summary>Gets a numeric user id. The default value is <see langword="null"/>.</summary>
    public long? UserId { get; init; }
}
