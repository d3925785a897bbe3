"""The stages, in the order run.py calls them. Each takes plain data and returns plain data;
none touches the disk, the clock, fonts on disk or the registry.

    1 parse        input bytes -> RawInput (canonical keys, key -> line)
    2 validate     RawInput + workspace + today -> DocumentRequest, or every problem at once
    3 numbering    the printed 发文字号 / 期号 (placeholders for one-off renders); for filing, the
                   件's identity, its number kept, claimed or allocated (NumberPlan, carried out
                   by the registry at the edge), a new 件's 件号 and 档号
    4 compose      DocumentRequest -> Composition: what goes where, per 文种
    5 render_docx  Composition + template -> DOCX
    6 typeset_pdf  Composition + fonts -> PDF on the GB/T 9704 grid
    7 attach       PDF + attachment files -> one PDF
    8 stamp        version metadata, and the 归档章 on the archival copy
   8b record       placement + arrival -> Filing -> the version's metadata record (DA/T 46)
   8c dispatch_form request + composition + 档号 -> the 发文稿纸 (one A4 page) filed in each version
    9 filing       -> FilingPlan: files, metadata record, manifest
   10 verify       the 四性 checks of a filed version
   11 catalogue    archive entries -> 归档文件目录 (CSV, XLSX, PDF)
   12 tasks        a 会议纪要's version records + 处置记录 -> 督办台账 items and their history
"""
