package wecom_test

import (
	"os"
	"testing"

	"github.com/bangban/bangban/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
