package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"buurtloket"
	"buurtloket/postgres"
	"buurtloket/sqlite"
)

// openStore opens the request store that dsn names: a postgres:// URL, or
// else the path of an SQLite file.
func openStore(ctx context.Context, dsn string, sealer *buurtloket.Sealer) (buurtloket.RequestStore, string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := postgres.Open(ctx, dsn, sealer)
		if err != nil {
			return nil, "", fmt.Errorf("opening PostgreSQL: %w", err)
		}
		return db, "PostgreSQL at " + redactDSN(dsn), nil
	}
	db, err := sqlite.Open(dsn, sealer)
	if err != nil {
		return nil, "", fmt.Errorf("opening SQLite at %s: %w", dsn, err)
	}
	return db, "SQLite at " + dsn, nil
}

// sealerFrom makes the sealer from a key given in the configuration (64
// hex digits, as from a secret store), or else from the key file.
func sealerFrom(keyHex, keyFile string) (*buurtloket.Sealer, bool, error) {
	if keyHex != "" {
		key, err := hex.DecodeString(strings.TrimSpace(keyHex))
		if err != nil || len(key) != buurtloket.KeySize {
			return nil, false, fmt.Errorf("BUURTLOKET_KEY must be %d hex digits", 2*buurtloket.KeySize)
		}
		s, err := buurtloket.NewSealer(key)
		return s, false, err
	}
	key, created, err := loadKey(keyFile)
	if err != nil {
		return nil, false, err
	}
	s, err := buurtloket.NewSealer(key)
	return s, created, err
}

// loadKey reads the master key from path (64 hex digits), creating the file
// with a fresh key and mode 0600 when it does not exist. A key file that
// others can read is refused: it unlocks every contact detail.
func loadKey(path string) ([]byte, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, err
		}
		key := buurtloket.NewKey()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, false, err
		}
		if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
			f.Close()
			return nil, false, err
		}
		// On disk before anything is sealed with it: a database that
		// survives a power cut without its key is unreadable.
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, false, err
		}
		if err := f.Close(); err != nil {
			return nil, false, err
		}
		if dir, err := os.Open(filepath.Dir(path)); err == nil {
			err = dir.Sync()
			dir.Close()
			if err != nil {
				return nil, false, err
			}
		}
		return key, true, nil
	} else if err != nil {
		return nil, false, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, false, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("the key file %s can be read by others (mode %v): run chmod 600 %s", path, info.Mode().Perm(), path)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != buurtloket.KeySize {
		return nil, false, fmt.Errorf("the key file %s must hold %d hex digits", path, 2*buurtloket.KeySize)
	}
	return key, false, nil
}
