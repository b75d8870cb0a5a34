namespace Crm.Engine.Rules.Rete;

/// <summary>
/// The agenda's priority queue: an indexed binary heap (each queued activation knows its position, so removing one
/// is O(log n) without a search). The order is total — higher priority first, then the most recent (recency is
/// unique) — so activations come out exactly as from a sorted set, without a node allocation per insert.
/// </summary>
internal sealed class AgendaQueue(int capacity)
{
    private Activation[] _heap = [];

    public int Count { get; private set; }

    public Activation Min => _heap[0];

    public void Add(Activation activation)
    {
        if (Count == _heap.Length)
        {
            Array.Resize(ref _heap, Count == 0 ? Math.Max(4, capacity) : Count * 2);
        }

        var i = Count++;
        _heap[i] = activation;
        activation.QueueIndex = i;
        SiftUp(i);
    }

    public void Remove(Activation activation)
    {
        var i = activation.QueueIndex;
        if (i < 0 || i >= Count || !ReferenceEquals(_heap[i], activation))
        {
            return;
        }

        activation.QueueIndex = -1;
        var last = --Count;
        if (i != last)
        {
            var moved = _heap[last];
            _heap[i] = moved;
            moved.QueueIndex = i;
            _heap[last] = null!;
            if (i > 0 && Before(moved, _heap[(i - 1) / 2]))
            {
                SiftUp(i);
            }
            else
            {
                SiftDown(i);
            }
        }
        else
        {
            _heap[last] = null!;
        }
    }

    public void Clear()
    {
        for (var i = 0; i < Count; i++)
        {
            _heap[i].QueueIndex = -1;
            _heap[i].IsQueued = false;
            _heap[i] = null!;
        }

        Count = 0;
    }

    // Higher priority first, then the most recently (re)activated first.
    private static bool Before(Activation x, Activation y)
    {
        return x.Priority != y.Priority ? x.Priority > y.Priority : y.Recency < x.Recency;
    }

    private void SiftUp(int i)
    {
        var item = _heap[i];
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!Before(item, _heap[parent]))
            {
                break;
            }

            _heap[i] = _heap[parent];
            _heap[i].QueueIndex = i;
            i = parent;
        }

        _heap[i] = item;
        item.QueueIndex = i;
    }

    private void SiftDown(int i)
    {
        var item = _heap[i];
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && Before(_heap[child + 1], _heap[child]))
            {
                child++;
            }

            if (!Before(_heap[child], item))
            {
                break;
            }

            _heap[i] = _heap[child];
            _heap[i].QueueIndex = i;
            i = child;
        }

        _heap[i] = item;
        item.QueueIndex = i;
    }
}
