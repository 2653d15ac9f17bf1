using System.Formats.Asn1;

namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>
/// A forward-only DER reader over a span. <see cref="AsnReader"/> needs a heap copy of the input; the
/// request path reads certificates straight from the request buffer, so this wraps the span-based
/// <see cref="AsnDecoder"/> instead. Every malformed encoding surfaces as <see cref="AsnContentException"/>.
/// </summary>
internal ref struct DerReader
{
    private ReadOnlySpan<byte> _data;

    public DerReader(ReadOnlySpan<byte> data) => _data = data;

    public readonly bool HasData => !_data.IsEmpty;

    public readonly Asn1Tag PeekTag()
    {
        if (!Asn1Tag.TryDecode(_data, out var tag, out _))
            throw new AsnContentException("Truncated tag.");
        return tag;
    }

    /// <summary>The whole next TLV, tag and length included.</summary>
    public ReadOnlySpan<byte> ReadEncodedValue()
    {
        AsnDecoder.ReadEncodedValue(_data, AsnEncodingRules.DER, out _, out _, out var consumed);
        var value = _data[..consumed];
        _data = _data[consumed..];
        return value;
    }

    public DerReader ReadSequence(Asn1Tag? tag = null)
    {
        AsnDecoder.ReadSequence(_data, AsnEncodingRules.DER, out var offset, out var length, out var consumed, tag);
        var inner = new DerReader(_data.Slice(offset, length));
        _data = _data[consumed..];
        return inner;
    }

    public DerReader ReadSetOf()
    {
        AsnDecoder.ReadSetOf(_data, AsnEncodingRules.DER, out var offset, out var length, out var consumed);
        var inner = new DerReader(_data.Slice(offset, length));
        _data = _data[consumed..];
        return inner;
    }

    /// <summary>The contents of an explicitly tagged (constructed) value.</summary>
    public DerReader ReadExplicit(Asn1Tag tag)
    {
        var actual = PeekTag();
        if (actual != tag)
            throw new AsnContentException($"Expected tag {tag}, found {actual}.");
        AsnDecoder.ReadEncodedValue(_data, AsnEncodingRules.DER, out var offset, out var length, out var consumed);
        var inner = new DerReader(_data.Slice(offset, length));
        _data = _data[consumed..];
        return inner;
    }

    public ReadOnlySpan<byte> ReadIntegerBytes()
    {
        var value = AsnDecoder.ReadIntegerBytes(_data, AsnEncodingRules.DER, out var consumed);
        _data = _data[consumed..];
        return value;
    }

    public int ReadInt32()
    {
        if (!AsnDecoder.TryReadInt32(_data, AsnEncodingRules.DER, out var value, out var consumed))
            throw new AsnContentException("Integer out of range.");
        _data = _data[consumed..];
        return value;
    }

    public ReadOnlySpan<byte> ReadBitString(out int unusedBits)
    {
        if (!AsnDecoder.TryReadPrimitiveBitString(_data, AsnEncodingRules.DER, out unusedBits, out var value, out var consumed))
            throw new AsnContentException("Constructed BIT STRING in DER.");
        _data = _data[consumed..];
        return value;
    }

    public ReadOnlySpan<byte> ReadOctetString()
    {
        if (!AsnDecoder.TryReadPrimitiveOctetString(_data, AsnEncodingRules.DER, out var value, out var consumed))
            throw new AsnContentException("Constructed OCTET STRING in DER.");
        _data = _data[consumed..];
        return value;
    }

    public bool ReadBoolean()
    {
        var value = AsnDecoder.ReadBoolean(_data, AsnEncodingRules.DER, out var consumed);
        _data = _data[consumed..];
        return value;
    }

    public void ReadNull()
    {
        AsnDecoder.ReadNull(_data, AsnEncodingRules.DER, out var consumed);
        _data = _data[consumed..];
    }

    public DateTimeOffset ReadTime()
    {
        var tag = PeekTag();
        int consumed;
        DateTimeOffset value;
        if (tag == Asn1Tag.UtcTime)
            value = AsnDecoder.ReadUtcTime(_data, AsnEncodingRules.DER, out consumed);
        else if (tag == Asn1Tag.GeneralizedTime)
            value = AsnDecoder.ReadGeneralizedTime(_data, AsnEncodingRules.DER, out consumed);
        else
            throw new AsnContentException($"Expected a time, found {tag}.");
        _data = _data[consumed..];
        return value;
    }

    public readonly void ThrowIfNotEmpty()
    {
        if (!_data.IsEmpty)
            throw new AsnContentException("Unexpected data after the value.");
    }
}
