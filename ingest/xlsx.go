package ingest

import (
	"bytes"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/batonhq/baton/kb"
)

// maxXLSXSize bounds a workbook's uncompressed size. excelize holds the
// whole workbook in memory, several times over while parsing it, so the
// bound is on everything in the archive, not on one part.
const maxXLSXSize = 20 << 20

// parseXLSX makes one article per row of every visible sheet of an Excel
// workbook, read exactly as a CSV file's rows are (see parseCSV): the same
// columns, header detection and article IDs, so that exporting a sheet to
// CSV or uploading the workbook gives the same articles.
func parseXLSX(f file, data []byte) ([]*kb.Article, error) {
	zr, err := openOffice(data, "an XLSX (Excel)")
	if err != nil {
		return nil, err
	}
	if findZipFile(zr, "xl/workbook.xml") == nil {
		return nil, invalidf("not an XLSX (Excel) file (it looks like %s)", zipKind(zr))
	}
	var size uint64
	for _, zf := range zr.File {
		size += zf.UncompressedSize64
	}
	// archive/zip refuses to read past a member's declared size, so the
	// declared sizes bound what excelize will decompress.
	if size > maxXLSXSize {
		return nil, invalidf("workbook uncompresses to more than %s", byteSize(maxXLSXSize))
	}
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    maxXLSXSize,
		UnzipXMLSizeLimit: maxXLSXSize, // keep sheets in memory, not in temporary files
	})
	if err != nil {
		return nil, invalidf("not a readable XLSX (Excel) file: %v", err)
	}
	defer x.Close()

	t := newFAQTable(f)
	nonBlank := 0 // rows with any text, in all sheets
	sheets := x.GetSheetList()
	for _, sheet := range sheets {
		if visible, err := x.GetSheetVisible(sheet); err != nil || !visible {
			continue // hidden sheets hold lookup data, not answers
		}
		// Name the sheet in errors only when there is more than one.
		where := func(row int) string { return "row " + strconv.Itoa(row) }
		if len(sheets) > 1 {
			where = func(row int) string { return strconv.Quote(sheet) + " row " + strconv.Itoa(row) }
		}
		t.rows = 0 // each sheet may start with its own header
		rows, err := x.Rows(sheet)
		if err != nil {
			continue // a chart sheet has no rows
		}
		for row := 1; rows.Next(); row++ {
			rec, err := rows.Columns()
			if err != nil {
				rows.Close()
				return nil, invalidf("%s: %v", where(row), err)
			}
			if err := t.add(rec, where(row)); err != nil {
				rows.Close()
				return nil, err
			}
		}
		if err := rows.Close(); err != nil {
			return nil, invalidf("sheet %q: %v", sheet, err)
		}
		nonBlank += t.rows
	}
	if len(t.arts) == 0 {
		if nonBlank == 0 {
			return nil, invalidf("no rows: the workbook's sheets are empty")
		}
		return nil, invalidf("no FAQ rows under the header")
	}
	return t.arts, nil
}
