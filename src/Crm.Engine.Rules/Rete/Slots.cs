using System.Runtime.CompilerServices;

namespace Crm.Engine.Rules.Rete;

/// <summary>
/// A compact set of references (with a value per item) stored inline in the object that owns it. Its iteration order
/// is exactly that of <see cref="HashSet{T}"/> and <see cref="Dictionary{TKey, TValue}"/> under the same sequence of
/// adds and removes: items fill slots in order and an add reuses the most recently freed slot first. Beta memories
/// iterate these sets to propagate changes, so that order is firing order and must not change.
/// </summary>
/// <remarks>
/// <para>
/// Most sets of a join hold one item (a token matching one fact, a key shared by one order), and a beta memory holds
/// millions of them, so the set is two words inline: one reference that is the set's only item or the slots object of
/// a set that has held two items at a time (made then, kept after; small sets search it linearly, larger ones through
/// a hash index), and the only item's value. While a set never held two items, slot 0 is the only slot it ever used,
/// so "the item, or none" is its whole state and the free list has nothing to remember.
/// </para>
/// <para>A mutable struct: use it only as a field, through a reference, never as a copy that is then changed.</para>
/// </remarks>
internal struct Slots<TKey, TValue>
    where TKey : class
{
    private const int IndexThreshold = 8;

    // null (empty), the only item (a TKey), or a Many. TKey is never Many (a private type), so the type tells which.
    private object? _one;
    private TValue _value;

    /// <summary>Number of items.</summary>
    public readonly int Count => _one is Many many ? many.Count : _one is null ? 0 : 1;

    /// <summary>One past the last slot ever used: iterate <c>0 .. End-1</c> and skip slots whose <see cref="KeyAt"/> is null.</summary>
    public readonly int End => _one is Many many ? many.End : _one is null ? 0 : 1;

    public readonly TKey? KeyAt(int slot) => _one is Many many ? many.Items[slot].Key : Unsafe.As<TKey?>(_one);

    public readonly TValue ValueAt(int slot) => _one is Many many ? many.Items[slot].Value : _value;

    public void SetValueAt(int slot, TValue value)
    {
        if (_one is Many many)
        {
            many.Items[slot].Value = value;
        }
        else
        {
            _value = value;
        }
    }

    /// <summary>The slot holding <paramref name="key"/>, or -1.</summary>
    public readonly int IndexOf(TKey key)
    {
        if (_one is Many many)
        {
            return many.IndexOf(key);
        }

        return _one is not null && ReferenceEquals(_one, key) ? 0 : -1;
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
        if (_one is Many many)
        {
            return many.Add(key, value);
        }

        if (_one is null)
        {
            _one = key;
            _value = value;
            return 0;
        }

        // A second item at a time: from now on every slot, the first included, lives in the slots object.
        many = new Many(Unsafe.As<TKey>(_one), _value);
        _one = many;
        _value = default!;
        return many.Add(key, value);
    }

    /// <summary>Removes an item; returns whether it was present, and its value.</summary>
    public bool Remove(TKey key, out TValue value)
    {
        if (_one is Many many)
        {
            return many.Remove(key, out value);
        }

        if (_one is not null && ReferenceEquals(_one, key))
        {
            value = _value;
            _one = null;
            _value = default!;
            return true;
        }

        value = default!;
        return false;
    }

    public bool Remove(TKey key) => Remove(key, out _);

    /// <summary>The items in iteration order (a snapshot, for loops during which the set may change).</summary>
    public readonly TKey[] ToArray()
    {
        if (_one is not Many many)
        {
            return _one is null ? [] : [Unsafe.As<TKey>(_one)];
        }

        var items = new TKey[many.Count];
        var n = 0;
        for (var i = 0; i < many.End; i++)
        {
            if (many.Items[i].Key is { } k)
            {
                items[n++] = k;
            }
        }

        return items;
    }

    /// <summary>The only item of a set of one.</summary>
    public readonly int FirstSlot()
    {
        var end = End;
        for (var i = 0; i < end; i++)
        {
            if (KeyAt(i) is not null)
            {
                return i;
            }
        }

        return -1;
    }

    private struct Slot
    {
        public TKey? Key;
        public TValue Value;

        // 1 + the next free slot (0: none), for freed slots.
        public int NextFree;
    }

    /// <summary>The slots of a set that has held two items at a time, with their free list and, when long, an index.</summary>
    private sealed class Many
    {
        public Many(TKey first, TValue value)
        {
            Items = new Slot[2];
            Items[0] = new Slot { Key = first, Value = value };
            End = 1;
            Count = 1;
        }

        public Slot[] Items { get; private set; }

        public int End { get; private set; }

        public int Count { get; private set; }

        public Dictionary<TKey, int>? Index { get; private set; }

        // 1 + the most recently freed slot (0: none).
        private int _free;

        public int Add(TKey key, TValue value)
        {
            int i;
            if (_free > 0)
            {
                i = _free - 1;
                _free = Items[i].NextFree;
            }
            else
            {
                i = End++;
                if (i == Items.Length)
                {
                    var items = Items;
                    Array.Resize(ref items, items.Length * 2);
                    Items = items;
                }
            }

            Items[i] = new Slot { Key = key, Value = value };
            Count++;
            if (Index is not null)
            {
                Index[key] = i;
            }
            else if (End > IndexThreshold)
            {
                Index = new Dictionary<TKey, int>(End, ReferenceEqualityComparer.Instance);
                for (var s = 0; s < End; s++)
                {
                    if (Items[s].Key is { } k)
                    {
                        Index[k] = s;
                    }
                }
            }

            return i;
        }

        public int IndexOf(TKey key)
        {
            if (Index is { } index)
            {
                return index.TryGetValue(key, out var found) ? found : -1;
            }

            for (var i = 0; i < End; i++)
            {
                if (ReferenceEquals(Items[i].Key, key))
                {
                    return i;
                }
            }

            return -1;
        }

        public bool Remove(TKey key, out TValue value)
        {
            var i = IndexOf(key);
            if (i < 0)
            {
                value = default!;
                return false;
            }

            Index?.Remove(key);
            value = Items[i].Value;
            Items[i] = new Slot { NextFree = _free };
            _free = i + 1;
            Count--;
            return true;
        }
    }
}
