package storage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/supportbot/supportbot/storage"
)

// fillQueue creates n conversations waiting in the queue, with mixed
// priorities, and returns their handoff ids.
func fillQueue(tb testing.TB, db *storage.DB, prefix string, n int) []int64 {
	tb.Helper()
	ctx := context.Background()
	ids := make([]int64, 0, n)
	for start := 0; start < n; start += 1000 {
		err := db.Update(ctx, func(tx *storage.Tx) error {
			for i := start; i < start+1000 && i < n; i++ {
				c, _, err := tx.UpsertConversation(ctx, "telegram", fmt.Sprintf("%s%d", prefix, i), storage.Profile{UserName: "Клиент"})
				if err != nil {
					return err
				}
				h, _, err := tx.Enqueue(ctx, c.ID, storage.ReasonRequest, i%3/2)
				if err != nil {
					return err
				}
				ids = append(ids, h.ID)
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return ids
}

// BenchmarkEnqueue hands off one conversation per op with 10,000 already
// waiting (the position count runs over the whole queue).
func BenchmarkEnqueue(b *testing.B) {
	db, _ := MustOpenDB(b)
	ctx := context.Background()
	fillQueue(b, db, "q", 10000)
	convs := make([]int64, b.N)
	for i := range convs {
		convs[i] = newConversation(b, db, fmt.Sprint("b", i)).ID
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := db.Enqueue(ctx, convs[i], storage.ReasonRequest, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClaim claims one waiting conversation per op with 10,000 more
// waiting.
func BenchmarkClaim(b *testing.B) {
	db, _ := MustOpenDB(b)
	ctx := context.Background()
	ids := fillQueue(b, db, "q", 10000+b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Claim(ctx, ids[i], "telegram:1", "Оля"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPosition asks the place of the last of 10,000 waiting.
func BenchmarkPosition(b *testing.B) {
	db, _ := MustOpenDB(b)
	ctx := context.Background()
	ids := fillQueue(b, db, "q", 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Position(ctx, ids[len(ids)-1]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutInbox stores one event per op.
func BenchmarkPutInbox(b *testing.B) {
	db, _ := MustOpenDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := testMsg{Platform: "telegram", EventID: fmt.Sprint(i), ChatID: "1", Kind: "text", Text: "где мой заказ"}
		if _, _, err := db.PutInbox(ctx, incoming(b, m, nil)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutInboxBatch stores a getUpdates-sized batch (100 events) per
// op in one call; compare events/s with BenchmarkPutInbox's one per op.
func BenchmarkPutInboxBatch(b *testing.B) {
	db, _ := MustOpenDB(b)
	ctx := context.Background()
	batch := make([]storage.Incoming, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range batch {
			batch[j] = incoming(b, testMsg{Platform: "telegram", EventID: fmt.Sprint(i, "-", j), ChatID: "1", Kind: "text", Text: "где мой заказ"}, nil)
		}
		if _, err := db.PutInboxBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
}
