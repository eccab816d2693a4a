-- The 19 basic fields in the board's official order (domain.md). The board
-- itself acts as the society of general practice (guideline II.1).
INSERT INTO societies (code, position, field_name_ja, field_name_en, name_ja, name_en, operated_by_board) VALUES
('INTERNAL_MEDICINE', 1, '内科', 'Internal Medicine', '日本内科学会', 'The Japanese Society of Internal Medicine', FALSE),
('PEDIATRICS', 2, '小児科', 'Pediatrics', '日本小児科学会', 'Japan Pediatric Society', FALSE),
('DERMATOLOGY', 3, '皮膚科', 'Dermatology', '日本皮膚科学会', 'Japanese Dermatological Association', FALSE),
('PSYCHIATRY', 4, '精神科', 'Psychiatry', '日本精神神経学会', 'The Japanese Society of Psychiatry and Neurology', FALSE),
('SURGERY', 5, '外科', 'Surgery', '日本外科学会', 'Japan Surgical Society', FALSE),
('ORTHOPEDICS', 6, '整形外科', 'Orthopaedic Surgery', '日本整形外科学会', 'The Japanese Orthopaedic Association', FALSE),
('OBSTETRICS_GYNECOLOGY', 7, '産婦人科', 'Obstetrics and Gynecology', '日本産科婦人科学会', 'Japan Society of Obstetrics and Gynecology', FALSE),
('OPHTHALMOLOGY', 8, '眼科', 'Ophthalmology', '日本眼科学会', 'Japanese Ophthalmological Society', FALSE),
('OTOLARYNGOLOGY', 9, '耳鼻咽喉科', 'Otorhinolaryngology', '日本耳鼻咽喉科頭頸部外科学会', 'Japan Society of Otorhinolaryngology-Head and Neck Surgery', FALSE),
('UROLOGY', 10, '泌尿器科', 'Urology', '日本泌尿器科学会', 'The Japanese Urological Association', FALSE),
('NEUROSURGERY', 11, '脳神経外科', 'Neurosurgery', '日本脳神経外科学会', 'The Japan Neurosurgical Society', FALSE),
('RADIOLOGY', 12, '放射線科', 'Radiology', '日本医学放射線学会', 'Japan Radiological Society', FALSE),
('ANESTHESIOLOGY', 13, '麻酔科', 'Anesthesiology', '日本麻酔科学会', 'Japanese Society of Anesthesiologists', FALSE),
('PATHOLOGY', 14, '病理', 'Pathology', '日本病理学会', 'The Japanese Society of Pathology', FALSE),
('LABORATORY_MEDICINE', 15, '臨床検査', 'Laboratory Medicine', '日本臨床検査医学会', 'Japanese Society of Laboratory Medicine', FALSE),
('EMERGENCY_MEDICINE', 16, '救急科', 'Emergency Medicine', '日本救急医学会', 'Japanese Association for Acute Medicine', FALSE),
('PLASTIC_SURGERY', 17, '形成外科', 'Plastic Surgery', '日本形成外科学会', 'Japan Society of Plastic and Reconstructive Surgery', FALSE),
('REHABILITATION_MEDICINE', 18, 'リハビリテーション科', 'Rehabilitation Medicine', '日本リハビリテーション医学会', 'The Japanese Association of Rehabilitation Medicine', FALSE),
('GENERAL_PRACTICE', 19, '総合診療', 'General Practice', '日本専門医機構', 'Japanese Medical Specialty Board', TRUE);
