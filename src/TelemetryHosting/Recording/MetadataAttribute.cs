namespace TelemetryHosting;

/// <summary>
/// Names the metadata key of a parameter of a <see cref="TelemetryEventAttribute"/> method, when the parameter's name in
/// camelCase is not the key wanted.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class MetadataAttribute : Attribute
{
    /// <summary>Names the metadata key.</summary>
    /// <param name="key">The metadata key.</param>
    public MetadataAttribute(string key) => Key = key;

    /// <summary>Gets the metadata key.</summary>
    public string Key { get; }
}
