namespace TelemetryHosting;

/// <summary>
/// Records a parameter of a <see cref="TelemetryEventAttribute"/> method as private metadata (sent as a protobuf
/// <c>Struct</c>, never logged) instead of metadata. Strings and other values that are not numbers must be marked so.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class PrivateMetadataAttribute : Attribute
{
    /// <summary>
    /// Gets or sets the private metadata key. The default value is <see langword="null"/>: the parameter's name in
    /// camelCase.
    /// </summary>
    public string? Key { get; set; }
}
