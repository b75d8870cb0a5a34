using System.Text;

namespace Crm.Engine.Import;

/// <summary>One record of a CSV file.</summary>
/// <param name="Line">The physical line it starts on (1-based).</param>
/// <param name="Fields">Its values, unquoted.</param>
/// <param name="Error">What is wrong with its quoting, or <see langword="null"/>.</param>
internal sealed record CsvRow(long Line, string[] Fields, string? Error)
{
    /// <summary>Whether the line holds nothing at all (not even a quoted empty value).</summary>
    public bool IsBlank { get; init; }
}

/// <summary>The file cannot be read on (a value longer than any real one, i.e. a quote never closed).</summary>
internal sealed class CsvFormatException(string message) : Exception(message);

/// <summary>
/// A streaming RFC 4180 reader: quoted values with doubled quotes, delimiters and line breaks inside quotes, CRLF, LF
/// or CR line ends, a leading byte-order mark. Holds one buffer and one record, never the file. Tracks the physical
/// line each record starts on. Lenient only where nothing is guessed: a quote inside an unquoted value is kept as is.
/// </summary>
internal sealed class CsvReader(TextReader reader, int maxValueLength = CsvReader.DefaultMaxValueLength)
{
    public const int DefaultMaxValueLength = 1_000_000;

    private enum State
    {
        StartOfValue,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }

    private char[] _buffer = new char[64 * 1024];
    private int _position;
    private int _length;
    private bool _endOfInput;
    private bool _started;
    private long _line = 1;
    private bool _lastWasCr;
    private bool _skipLf;
    private readonly StringBuilder _value = new();
    private readonly List<string> _values = [];

    /// <summary>The delimiter in use (set by <see cref="DetectDelimiterAsync"/>).</summary>
    public char Delimiter { get; private set; } = ',';

    /// <summary>The physical line the reader is on.</summary>
    public long Line => _line;

    /// <summary>
    /// Uses the given delimiter, or picks <c>,</c>, <c>;</c> or tab by counting them outside quotes on the header line.
    /// Returns an error text when the header line does not decide (two of them equally often).
    /// </summary>
    public async ValueTask<string?> DetectDelimiterAsync(char? given, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        if (given is { } d)
        {
            Delimiter = d;
            return null;
        }

        while (true)
        {
            int comma = 0, semicolon = 0, tab = 0;
            var quoted = false;
            var complete = false;
            for (var i = _position; i < _length; i++)
            {
                var c = _buffer[i];
                if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (!quoted && (c == '\n' || c == '\r'))
                {
                    complete = true;
                    break;
                }
                else if (!quoted)
                {
                    comma += c == ',' ? 1 : 0;
                    semicolon += c == ';' ? 1 : 0;
                    tab += c == '\t' ? 1 : 0;
                }
            }

            if (!complete && !_endOfInput && _length - _position < maxValueLength)
            {
                // The header line goes on beyond the buffer: read more of it.
                await FillAsync(keep: true, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var best = Math.Max(comma, Math.Max(semicolon, tab));
            if (best == 0)
            {
                Delimiter = ',';
                return null;
            }

            var ties = (comma == best ? 1 : 0) + (semicolon == best ? 1 : 0) + (tab == best ? 1 : 0);
            if (ties > 1)
            {
                return $"the delimiter cannot be told from the header line ({comma} commas, {semicolon} semicolons, {tab} tabs): set it explicitly.";
            }

            Delimiter = comma == best ? ',' : semicolon == best ? ';' : '\t';
            return null;
        }
    }

    /// <summary>Reads the next record, or <see langword="null"/> at the end of the input.</summary>
    public async ValueTask<CsvRow?> ReadAsync(CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        _values.Clear();
        _value.Clear();
        var state = State.StartOfValue;
        var start = -1L;
        var quoteLine = 0L;
        string? error = null;
        var delimiter = Delimiter;
        while (true)
        {
            if (_position >= _length && !await FillAsync(keep: false, cancellationToken).ConfigureAwait(false))
            {
                if (start < 0)
                {
                    return null;
                }

                if (state == State.Quoted)
                {
                    error ??= $"a quoted value opened on line {quoteLine} is never closed (the file ends inside it).";
                }

                return EndRow(start, error);
            }

            var c = _buffer[_position++];
            if (_skipLf)
            {
                _skipLf = false;
                if (c == '\n')
                {
                    _lastWasCr = false;
                    continue;
                }
            }

            if (start < 0)
            {
                start = _line;
            }

            // Physical lines: CRLF, LF and a lone CR each end one.
            if (c == '\r')
            {
                _line++;
                _lastWasCr = true;
            }
            else
            {
                if (c == '\n' && !_lastWasCr)
                {
                    _line++;
                }

                _lastWasCr = false;
            }

            switch (state)
            {
                case State.StartOfValue:
                    if (c == '"')
                    {
                        state = State.Quoted;
                        quoteLine = _line;
                    }
                    else if (c == delimiter)
                    {
                        AddValue();
                    }
                    else if (c is '\r' or '\n')
                    {
                        _skipLf = c == '\r';
                        var blank = _values.Count == 0;
                        var row = EndRow(start, error);
                        return blank ? row with { IsBlank = true } : row;
                    }
                    else
                    {
                        Append(c, start);
                        state = State.Unquoted;
                    }

                    break;
                case State.Unquoted:
                    if (c == delimiter)
                    {
                        AddValue();
                        state = State.StartOfValue;
                    }
                    else if (c is '\r' or '\n')
                    {
                        _skipLf = c == '\r';
                        return EndRow(start, error);
                    }
                    else
                    {
                        // A quote inside an unquoted value (5" screen) is kept as it is.
                        Append(c, start);
                    }

                    break;
                case State.Quoted:
                    if (c == '"')
                    {
                        state = State.QuoteInQuoted;
                    }
                    else
                    {
                        Append(c, start);
                    }

                    break;
                case State.QuoteInQuoted:
                    if (c == '"')
                    {
                        Append('"', start);
                        state = State.Quoted;
                    }
                    else if (c == delimiter)
                    {
                        AddValue();
                        state = State.StartOfValue;
                    }
                    else if (c is '\r' or '\n')
                    {
                        _skipLf = c == '\r';
                        return EndRow(start, error);
                    }
                    else
                    {
                        error ??= $"value {_values.Count + 1} has text after its closing quote (quote it whole, and double the quotes inside: \"\").";
                        Append(c, start);
                        state = State.Unquoted;
                    }

                    break;
            }
        }
    }

    private void Append(char c, long start)
    {
        if (_value.Length >= maxValueLength)
        {
            throw new CsvFormatException($"the value starting on line {start} is longer than {maxValueLength:N0} characters: most likely a quote is never closed. Nothing after line {start} was read.");
        }

        _value.Append(c);
    }

    private void AddValue()
    {
        _values.Add(_value.ToString());
        _value.Clear();
    }

    private CsvRow EndRow(long start, string? error)
    {
        AddValue();
        return new CsvRow(start, [.. _values], error);
    }

    private async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        await FillAsync(keep: false, cancellationToken).ConfigureAwait(false);
        if (_length > 0 && _buffer[0] == '\uFEFF')
        {
            _position = 1;
        }
    }

    /// <summary>Reads more input: after what is left (growing the buffer) when <paramref name="keep"/>, else in place of it.</summary>
    private async ValueTask<bool> FillAsync(bool keep, CancellationToken cancellationToken)
    {
        if (_endOfInput)
        {
            return false;
        }

        var kept = keep ? _length - _position : 0;
        if (keep)
        {
            if (kept == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            Array.Copy(_buffer, _position, _buffer, 0, kept);
        }

        _position = 0;
        var read = await reader.ReadAsync(_buffer.AsMemory(kept), cancellationToken).ConfigureAwait(false);
        _length = kept + read;
        if (read == 0)
        {
            _endOfInput = true;
        }

        return read > 0;
    }
}

/// <summary>Writes CSV values, quoting those that need it.</summary>
internal static class CsvText
{
    public static void WriteRow(TextWriter writer, IReadOnlyList<string> values, char delimiter)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(delimiter);
            }

            var value = values[i];
            if (value.AsSpan().IndexOfAny(['"', '\r', '\n', delimiter]) >= 0 || (value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))))
            {
                writer.Write('"');
                writer.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
                writer.Write('"');
            }
            else
            {
                writer.Write(value);
            }
        }

        writer.Write("\r\n");
    }
}
