namespace Crm.Engine.Rules.Rete;

/// <summary>
/// A compact set of references (with a value per item) stored inline in the object that owns it. Its iteration order
/// is exactly that of <see cref="HashSet{T}"/> and <see cref="Dictionary{TKey, TValue}"/> under the same sequence of
/// adds and removes: items fill slots in order and an add reuses the most recently freed slot first. Beta memories
/// iterate these sets to propagate changes, so that order is firing order and must not change. Small sets (the usual
/// case: a token matching one fact) search linearly; larger ones add a hash index.
/// </summary>
/// <remarks>A mutable struct: use it only as a field, through a reference, never as a copy that is then changed.</remarks>
internal struct Slots<TKey, TValue>
    where TKey : class
{
    private const int IndexThreshold = 8;

    // Slot 0 is stored inline (most sets of a join hold one item: no array at all); slots 1.. in _rest[i - 1].
    private Slot _first;
    private Slot[]? _rest;
    private int _end;
    private int _free;
    private Dictionary<TKey, int>? _index;

    /// <summary>Number of items.</summary>
    public int Count { readonly get; private set; }

    /// <summary>One past the last slot ever used: iterate <c>0 .. End-1</c> and skip slots whose <see cref="KeyAt"/> is null.</summary>
    public readonly int End => _end;

    public readonly TKey? KeyAt(int slot) => slot == 0 ? _first.Key : _rest![slot - 1].Key;

    public readonly TValue ValueAt(int slot) => slot == 0 ? _first.Value : _rest![slot - 1].Value;

    public void SetValueAt(int slot, TValue value)
    {
        if (slot == 0)
        {
            _first.Value = value;
        }
        else
        {
            _rest![slot - 1].Value = value;
        }
    }

    /// <summary>The slot holding <paramref name="key"/>, or -1.</summary>
    public readonly int IndexOf(TKey key)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(key, out var i) ? i : -1;
        }

        if (_end == 0)
        {
            return -1;
        }

        if (ReferenceEquals(_first.Key, key))
        {
            return 0;
        }

        var rest = _rest;
        for (var i = 1; i < _end; i++)
        {
            if (ReferenceEquals(rest![i - 1].Key, key))
            {
                return i;
            }
        }

        return -1;
    }

    public readonly bool Contains(TKey key) => IndexOf(key) >= 0;

    /// <summary>Adds an item unless present (as <see cref="HashSet{T}.Add"/>); returns whether it was added.</summary>
    public bool Add(TKey key, TValue value)
    {
        if (IndexOf(key) >= 0)
        {
            return false;
        }

        AddNew(key, value);
        return true;
    }

    /// <summary>Adds an item known to be absent; returns its slot.</summary>
    public int AddNew(TKey key, TValue value)
    {
        int i;
        if (_free > 0)
        {
            i = _free - 1;
            _free = i == 0 ? _first.NextFree : _rest![i - 1].NextFree;
        }
        else
        {
            i = _end++;
            if (i > 0)
            {
                if (_rest is null)
                {
                    _rest = new Slot[1];
                }
                else if (i - 1 == _rest.Length)
                {
                    Array.Resize(ref _rest, _rest.Length * 2);
                }
            }
        }

        Set(i, new Slot { Key = key, Value = value });
        Count++;
        if (_index is not null)
        {
            _index[key] = i;
        }
        else if (_end > IndexThreshold)
        {
            _index = new Dictionary<TKey, int>(_end, ReferenceEqualityComparer.Instance);
            for (var s = 0; s < _end; s++)
            {
                if (KeyAt(s) is { } k)
                {
                    _index[k] = s;
                }
            }
        }

        return i;
    }

    /// <summary>Removes an item; returns whether it was present, and its value.</summary>
    public bool Remove(TKey key, out TValue value)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            value = default!;
            return false;
        }

        value = ValueAt(i);
        Set(i, new Slot { NextFree = _free });
        _free = i + 1;
        Count--;
        _index?.Remove(key);
        return true;
    }

    public bool Remove(TKey key) => Remove(key, out _);

    /// <summary>The items in iteration order (a snapshot, for loops during which the set may change).</summary>
    public readonly TKey[] ToArray()
    {
        var items = new TKey[Count];
        var n = 0;
        for (var i = 0; i < _end; i++)
        {
            if (KeyAt(i) is { } k)
            {
                items[n++] = k;
            }
        }

        return items;
    }

    /// <summary>The only item of a set of one.</summary>
    public readonly int FirstSlot()
    {
        for (var i = 0; i < _end; i++)
        {
            if (KeyAt(i) is not null)
            {
                return i;
            }
        }

        return -1;
    }

    private void Set(int slot, Slot value)
    {
        if (slot == 0)
        {
            _first = value;
        }
        else
        {
            _rest![slot - 1] = value;
        }
    }

    private struct Slot
    {
        public TKey? Key;
        public TValue Value;

        // 1 + the next free slot (0: none), for freed slots.
        public int NextFree;
    }
}
