package ingest

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/batonhq/baton/kb"
)

// TestParseXLSXMatchesCSV checks that a workbook and a CSV export of the
// same rows give the same articles, IDs included, so that switching
// formats updates articles instead of duplicating them.
func TestParseXLSXMatchesCSV(t *testing.T) {
	for _, stem := range []string{"faq", "faq-zh"} {
		t.Run(stem, func(t *testing.T) {
			fromCSV, err := Parse(stem+".csv", readTestdata(t, stem+".csv"), "shop")
			if err != nil {
				t.Fatal(err)
			}
			fromXLSX, err := Parse(stem+".xlsx", readTestdata(t, stem+".xlsx"), "shop")
			if err != nil {
				t.Fatal(err)
			}
			if len(fromXLSX) != len(fromCSV) || len(fromCSV) == 0 {
				t.Fatalf("xlsx gave %d articles, csv %d", len(fromXLSX), len(fromCSV))
			}
			for i := range fromCSV {
				c, x := *fromCSV[i], *fromXLSX[i]
				if x.Source != stem+".xlsx" {
					t.Errorf("article %d: Source = %q, want %q", i, x.Source, stem+".xlsx")
				}
				c.Source, x.Source = "", ""
				if !reflect.DeepEqual(c, x) {
					t.Errorf("article %d:\nxlsx %+v\ncsv  %+v", i, x, c)
				}
			}
		})
	}
}

// buildXLSX writes sheets of rows (nil: a sheet left empty) in order; the
// sheets named in hidden are hidden.
func buildXLSX(t *testing.T, sheets []string, rows map[string][][]string, hidden ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range rows[name] {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellStr(name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, name := range hidden {
		if err := f.SetSheetVisible(name, false); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParseXLSX(t *testing.T) {
	t.Run("every visible sheet, each with its own header", func(t *testing.T) {
		data := buildXLSX(t, []string{"Shipping", "Lookup", "退款"}, map[string][][]string{
			"Shipping": {{"Question", "Answer"}, {"Do you ship abroad?", "Yes, to 40 countries."}},
			"Lookup":   {{"code", "value"}, {"x", "1"}},
			"退款":       {{"问题", "答案", "相似问题", "标签"}, {"多久退款？", "三到五天。", "退款时间", "退款"}},
		}, "Lookup")
		got, err := Parse("Help.xlsx", data, "")
		if err != nil {
			t.Fatal(err)
		}
		checkArticles(t, "Help.xlsx", got, []wantArticle{
			{ID: "default/help-" + shortHash("do you ship abroad?"), Collection: "default", Title: "Do you ship abroad?",
				Body: "Yes, to 40 countries.", Questions: []string{}, Tags: []string{}, Lang: "en"},
			{ID: "default/help-" + shortHash("多久退款？"), Collection: "default", Title: "多久退款？",
				Body: "三到五天。", Questions: []string{"退款时间"}, Tags: []string{"退款"}, Lang: "zh"},
		})
	})

	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"empty workbook", buildXLSX(t, []string{"Sheet1"}, nil), "no rows: the workbook's sheets are empty"},
		{"header only", buildXLSX(t, []string{"Sheet1"}, map[string][][]string{"Sheet1": {{"Question", "Answer"}}}), "no FAQ rows under the header"},
		{
			// The row number is the sheet's, counting the blank row, as
			// the user sees it in Excel.
			name:    "question without answer",
			data:    buildXLSX(t, []string{"Sheet1"}, map[string][][]string{"Sheet1": {{"Question", "Answer"}, {}, {"How do I pay?"}}}),
			wantErr: `row 3: question "How do I pay?" has no answer`,
		},
		{
			name: "question repeated across sheets",
			data: buildXLSX(t, []string{"A", "B"}, map[string][][]string{
				"A": {{"How do I pay?", "Card."}},
				"B": {{"how do i pay?", "Cash."}},
			}),
			wantErr: `"B" row 1: question "how do i pay?" repeats "A" row 1`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("faq.xlsx", tt.data, "")
			if !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Parse error = %v, want kb.ErrInvalid mentioning %q", err, tt.wantErr)
			}
		})
	}
}

// TestParseXLSXTooLarge checks that a workbook whose parts declare more
// than the limit is refused before excelize reads it.
func TestParseXLSXTooLarge(t *testing.T) {
	data := buildZip(t, map[string]string{
		"xl/workbook.xml":          "<workbook/>",
		"xl/worksheets/sheet1.xml": strings.Repeat(" ", maxXLSXSize),
	})
	_, err := Parse("big.xlsx", data, "")
	if !errors.Is(err, kb.ErrInvalid) || !strings.Contains(err.Error(), "workbook uncompresses to more than 20 MB") {
		t.Fatalf("Parse error = %v, want kb.ErrInvalid about the size", err)
	}
}
